/** `kontext models` (list installed models) and `kontext models validate DIR` (every problem at once). */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { studioError, toErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { printableName } from '../manifest/confine'
import { badModel, loadManifest, MANIFEST_FILE } from '../manifest/validate'
import { folderProblems } from '../pipeline/ortModels'
import { openCheckpointFolder } from '../pipeline/checkpointFolder'
import { looksLikeOnnxExport } from '../export/onnxExport'
import { SessionPool } from '../sessions'
import { walkModelFolder } from '../weights/walk'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { fit } from './fitCommand'
import { inspect } from './inspectCommand'
import { knownModelDirs } from './modelDirs'
import { runStoreCommand, STORE_SUBCOMMANDS } from './modelStoreCommands'

/** A folder of safetensors: detect, then build and open all five graphs (on the provider asked for, else the ladder's). */
async function validateCheckpoint(dir: string, provider: string | undefined, json: boolean, ctx: CliContext): Promise<number> {
  const folder = openCheckpointFolder(dir)
  if (!folder.ok) return reportError(ctx, folder.error, json)
  const engine = new KontextEngine({ modelDirs: [dir], ...(provider ? { provider } : {}) })
  const ladder = engine.checkProvider()
  if (!ladder.ok) return reportError(ctx, ladder.error, json)
  let ran: string | null = null
  try {
    await engine.prepare(folder.value.manifest.id)
    ran = engine.activeProvider
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  } finally {
    await engine.release()
  }
  const id = folder.value.manifest.id
  if (json) ctx.out(JSON.stringify({ ok: true, id, dir, built: true, provider: ran }) + '\n')
  else
    ctx.out(`${id}: OK — transformer, autoencoder, CLIP and T5 found; all 5 graphs built from the tensors and opened on ${ran ?? 'cpu'}.\n`)
  return EXIT.ok
}

async function validate(dir: string | undefined, provider: string | undefined, json: boolean, ctx: CliContext): Promise<number> {
  if (!dir) return reportError(ctx, studioError('cli.usage', 'models validate needs a folder.', 'kontext models validate <folder>'), json)
  const full = resolve(ctx.cwd, dir)
  if (!existsSync(full)) return reportError(ctx, studioError('model.notFound', `${printableName(dir)}: no such folder.`), json)
  const files = existsSync(join(full, MANIFEST_FILE)) ? null : walkModelFolder(full)
  if (files && looksLikeOnnxExport(full))
    return reportError(
      ctx,
      studioError(
        'model.invalid',
        `${full} holds the FLUX.1 Kontext ONNX export, not yet imported: its graphs have bfloat16 inputs and outputs, which onnxruntime's JavaScript API cannot feed, and it has no autoencoder.`,
        `Copy ae.safetensors, tokenizer/ and tokenizer_2/ from the FLUX.1-Kontext-dev release into it, then run \`kontext models import ${full} --provider P\`.`,
      ),
      json,
    )
  if (files && files.safetensors.length + files.indexes.length > 0) return validateCheckpoint(full, provider, json, ctx)
  const manifest = loadManifest(full)
  if (!manifest.ok) return reportError(ctx, manifest.error, json)
  // The manifest is sound on paper; now read every tokenizer and open every graph, listing every problem.
  // On the provider asked for and only that one (a graph that opens on the CPU rung alone would
  // pass for a provider it cannot run on); else on the ladder the model will run on.
  const pool = new SessionPool(provider ? { provider, only: true } : {})
  const ladder = pool.checkProvider()
  if (!ladder.ok) return reportError(ctx, ladder.error, json)
  let problems: string[]
  try {
    problems = await folderProblems(manifest.value, full, pool)
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  } finally {
    await pool.release()
  }
  if (problems.length) return reportError(ctx, badModel(full, problems), json)
  const ran = pool.activeProvider
  if (json) ctx.out(JSON.stringify({ ok: true, id: manifest.value.id, dir: full, provider: ran }) + '\n')
  else
    ctx.out(
      `${manifest.value.id}: OK — manifest, files and all ${manifest.value.components.textEncoders.length + 3} graphs agree; every graph opened on ${ran ?? 'cpu'}.\n`,
    )
  return EXIT.ok
}

/** Lists every model folder: the usable ones with their settings, the broken ones with their reason. */
function list(json: boolean, ctx: CliContext): number {
  const engine = new KontextEngine({ modelDirs: knownModelDirs() })
  const models = engine.summaries()
  if (json) {
    ctx.out(JSON.stringify({ ok: true, models, problems: engine.problems }) + '\n')
    return EXIT.ok
  }
  if (models.length === 0) ctx.out(engine.problems.length ? 'No usable models installed.\n' : 'No models installed.\n')
  for (const m of models) {
    const res = m.resolutions.length === 1 ? `${m.resolutions[0]![0]}×${m.resolutions[0]![1]}` : `${m.resolutions.length} resolutions`
    ctx.out(`${m.id.padEnd(20)} ${m.name.padEnd(28)} ${m.defaultSteps} steps, guidance ${m.defaultGuidance}, ${res}\n    ${m.dir}\n`)
  }
  for (const p of engine.problems) ctx.out(`${'(broken)'.padEnd(20)} ${p.dir}\n    ${p.message}\n`)
  return EXIT.ok
}

export const modelsCommand: CliCommand = {
  summary:
    'list models (list: with their cards), add (from the hub), import (a folder in place), verify or remove them; validate or inspect a folder; fit: the memory plan of a job',
  usage:
    'kontext models [--json] | list [--json] | add flux1-kontext-dev [--precision bf16|fp8] [--token-file F] | import DIR [--id ID] [--quantise int8|int4] | verify ID | test ID [--provider P] | remove ID | validate DIR [--provider P] | inspect DIR | fit ID|DIR [--width W --height H --refs N --quantise int8|int4]',
  async run(argv, ctx) {
    // list (cards), add, import, verify, remove: the model store, in modelStoreCommands.ts.
    if (STORE_SUBCOMMANDS.has(argv.find((a) => a !== '--json') ?? '')) return runStoreCommand(argv, ctx)
    if (argv[0] === 'fit') return fit(argv.slice(1), ctx)
    const json = argv.includes('--json')
    const p = argv.indexOf('--provider')
    const provider = p >= 0 ? argv[p + 1] : undefined
    if (p >= 0 && (!provider || provider.startsWith('-')))
      return reportError(ctx, studioError('cli.usage', '--provider needs a name (auto, cpu, cuda, dml, webgpu).', this.usage), json)
    const args = argv.filter((a, i) => a !== '--json' && (p < 0 || (i !== p && i !== p + 1)))
    const unknown = args.find((a) => a.startsWith('-'))
    if (unknown) return reportError(ctx, studioError('cli.usage', `Unknown option ${unknown}.`, this.usage), json)
    if (args[0] === 'validate') return validate(args[1], provider, json, ctx)
    if (args[0] === 'inspect') return inspect(args[1], json, ctx)
    if (args[0] === undefined || args[0] === 'list') return list(json, ctx)
    return reportError(ctx, studioError('cli.usage', `Unknown models subcommand “${args[0]}”.`, this.usage), json)
  },
}

/** `kontext models` (list installed models) and `kontext models validate DIR` (every problem at once). */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { studioError, toErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { loadManifest } from '../manifest/validate'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { inspect } from './inspectCommand'
import { knownModelDirs } from './modelDirs'
import { runStoreCommand, STORE_SUBCOMMANDS } from './modelStoreCommands'

async function validate(dir: string | undefined, json: boolean, ctx: CliContext): Promise<number> {
  if (!dir) return reportError(ctx, studioError('cli.usage', 'models validate needs a folder.', 'kontext models validate <folder>'), json)
  const full = resolve(ctx.cwd, dir)
  if (!existsSync(full)) return reportError(ctx, studioError('model.notFound', `${dir}: no such folder.`), json)
  const manifest = loadManifest(full)
  if (!manifest.ok) return reportError(ctx, manifest.error, json)
  // The manifest is sound on paper; now open every graph and compare it with what it declares.
  const engine = new KontextEngine({ modelDirs: [full], provider: 'cpu' })
  try {
    await engine.prepare(manifest.value.id)
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  } finally {
    await engine.release()
  }
  if (json) ctx.out(JSON.stringify({ ok: true, id: manifest.value.id, dir: full }) + '\n')
  else ctx.out(`${manifest.value.id}: OK — manifest, files and all ${manifest.value.components.textEncoders.length + 3} graphs agree.\n`)
  return EXIT.ok
}

function list(json: boolean, ctx: CliContext): number {
  const engine = new KontextEngine({ modelDirs: knownModelDirs() })
  const models = engine.summaries()
  if (json) {
    ctx.out(JSON.stringify({ ok: true, models, problems: engine.problems }) + '\n')
    return EXIT.ok
  }
  if (models.length === 0) ctx.out('No models installed.\n')
  for (const m of models) {
    const res = m.resolutions.length === 1 ? `${m.resolutions[0]![0]}×${m.resolutions[0]![1]}` : `${m.resolutions.length} resolutions`
    ctx.out(`${m.id.padEnd(20)} ${m.name.padEnd(28)} ${m.defaultSteps} steps, guidance ${m.defaultGuidance}, ${res}\n    ${m.dir}\n`)
  }
  for (const p of engine.problems) ctx.err(`unusable: ${p.dir}: ${p.message}\n`)
  return EXIT.ok
}

export const modelsCommand: CliCommand = {
  summary:
    'list models (list: with their cards), add (from the hub), import (a folder in place), verify or remove them; validate or inspect a folder',
  usage:
    'kontext models [--json] | list [--json] | add flux1-kontext-dev [--precision bf16] [--token-file F] | import DIR [--id ID] | verify ID | remove ID | validate DIR | inspect DIR',
  async run(argv, ctx) {
    // list (cards), add, import, verify, remove: the model store, in modelStoreCommands.ts.
    if (STORE_SUBCOMMANDS.has(argv.find((a) => a !== '--json') ?? '')) return runStoreCommand(argv, ctx)
    const json = argv.includes('--json')
    const args = argv.filter((a) => a !== '--json')
    const unknown = args.find((a) => a.startsWith('-'))
    if (unknown) return reportError(ctx, studioError('cli.usage', `Unknown option ${unknown}.`, this.usage), json)
    if (args[0] === 'validate') return validate(args[1], json, ctx)
    if (args[0] === 'inspect') return inspect(args[1], json, ctx)
    if (args[0] === undefined || args[0] === 'list') return list(json, ctx)
    return reportError(ctx, studioError('cli.usage', `Unknown models subcommand “${args[0]}”.`, this.usage), json)
  },
}

/**
 * `kontext generate` (text → image) and `kontext edit` (--in image [+ --ref …] → image; with
 * --mask only the painted part changes, as the studio's region edits). The job is the one
 * generation schema (core/contract/generationJob.ts), checked again by the engine before it runs.
 */
import { randomInt } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { displayFileName } from '../../core/domain/displayText'
import type { GenerationJob } from '../../core/contract/generationJob'
import { FEATHER_LIMITS } from '../../core/limits'
import { studioError, toErrorData, type StudioErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { manyInputs } from './editInputs'
import { runEditMany } from './editMany'
import { checkOutPath, checkPrompt, isError, numberOption, readImageInput, samplingOptions, usageError, writeFailed } from './inputs'
import { DEFAULT_MODEL_ID, knownModelDirs, modelFolderArg } from './modelDirs'
import { progressBar } from './progressBar'
import { parseOptions } from './options'

const OPTIONS = {
  prompt: { type: 'string', short: 'p' },
  in: { type: 'string', short: 'i', multiple: true },
  ref: { type: 'string', multiple: true },
  mask: { type: 'string' },
  feather: { type: 'string' },
  out: { type: 'string', short: 'o' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  width: { type: 'string' },
  height: { type: 'string' },
  provider: { type: 'string' },
  model: { type: 'string', short: 'm' },
  json: { type: 'boolean' },
} as const

async function run(mode: 'generate' | 'edit', argv: string[], ctx: CliContext): Promise<number> {
  const given = parseOptions(argv, OPTIONS, ctx)
  if ('exit' in given) return given.exit
  const { values } = given
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  const prompt = checkPrompt(values.prompt)
  if (isError(prompt)) return fail(prompt)
  if (mode === 'edit' && !values.in?.length)
    return fail(usageError('edit needs --in <image>.', 'Use `kontext generate` for text-to-image.'))
  if (mode === 'generate' && (values.in || values.ref || values.mask))
    return fail(usageError('generate takes no --in/--ref/--mask.', 'Use `kontext edit --in <image>` to edit an image.'))
  const sampling = samplingOptions(values)
  if (isError(sampling)) return fail(sampling)
  const feather = numberOption('feather', values.feather, FEATHER_LIMITS)
  if (isError(feather)) return fail(feather)
  if (feather !== undefined && !values.mask)
    return fail(usageError('--feather needs --mask.', 'Give the mask to feather: --mask mask.png.'))
  if (values.mask && sampling.size)
    return fail(usageError('--width/--height do not apply with --mask: a region edit keeps the size of --in.'))
  // Several --in (or a folder): one process for all of them, results into --out DIR.
  if (mode === 'edit' && values.in && manyInputs(values.in, ctx.cwd)) {
    if (values.mask)
      return fail(usageError('--mask applies to one image: give a single --in with it.', 'Run one `kontext edit --mask` per image.'))
    return runEditMany(
      {
        inputs: values.in,
        refs: values.ref ?? [],
        prompt,
        out: values.out,
        sampling,
        ...(values.model ? { model: values.model } : {}),
        ...(values.provider ? { provider: values.provider } : {}),
        json,
      },
      ctx,
    )
  }
  // The seed is fixed now so that the default --out name is known before the run.
  const seed = sampling.seed ?? randomInt(0, 2 ** 31)
  const outGiven = values.out ?? `kontext-${seed}.png`
  const out = resolve(ctx.cwd, outGiven)
  const unwritable = checkOutPath(out, outGiven)
  if (unwritable) return fail(unwritable)

  const contexts: Uint8Array[] = []
  for (const [flag, path] of [
    ...(values.in ? [['--in', values.in[0] as string] as const] : []),
    ...(values.ref ?? []).map((r) => ['--ref', r] as const),
  ]) {
    const bytes = await readImageInput(path, ctx.cwd, flag)
    if (isError(bytes)) return fail(bytes)
    contexts.push(bytes)
  }
  const maskBytes = values.mask ? await readImageInput(values.mask, ctx.cwd, '--mask') : null
  if (isError(maskBytes)) return fail(maskBytes)

  const folder = values.model ? modelFolderArg(values.model, ctx.cwd) : null
  if (folder && !existsSync(folder)) return fail(studioError('model.notFound', `--model ${values.model}: no such folder.`))
  const log = (line: string) => (json ? undefined : ctx.err(`${line}\n`))
  const engine = new KontextEngine({
    modelDirs: folder ? [folder] : knownModelDirs(),
    ...(values.provider ? { provider: values.provider } : {}),
    log,
  })
  const provider = engine.checkProvider()
  if (!provider.ok) return fail(provider.error)
  const problem = folder ? engine.problems[0] : undefined
  if (problem) return fail(studioError('model.invalid', problem.message, `Run \`kontext models validate ${values.model}\` for details.`))
  const modelId = folder ? engine.summaries()[0]?.id : (values.model ?? DEFAULT_MODEL_ID)
  const summary = engine.summaries().find((m) => m.id === modelId)
  if (!summary)
    return fail(
      studioError(
        'model.unknown',
        `No model “${values.model ?? DEFAULT_MODEL_ID}” is installed.`,
        `Installed: ${
          engine
            .summaries()
            .map((m) => m.id)
            .join(', ') || 'none'
        }.`,
      ),
    )

  const steps = sampling.steps ?? summary.defaultSteps
  const job: GenerationJob = {
    model: summary.id,
    prompt,
    contexts,
    seed,
    steps,
    guidance: sampling.guidance ?? summary.defaultGuidance,
    ...(sampling.size ? { width: sampling.size.width, height: sampling.size.height } : {}),
    ...(maskBytes ? { mask: { png: maskBytes, ...(feather !== undefined ? { feather } : {}) } } : {}),
  }
  const bar = ctx.isTTY && !json ? progressBar(ctx.err) : null
  try {
    const result = await engine.run(job, {
      signal: ctx.signal,
      previews: false,
      ...(bar ? { onProgress: (p) => bar.update(p.step, p.totalSteps) } : {}),
    })
    bar?.done()
    try {
      mkdirSync(dirname(out), { recursive: true })
      writeFileSync(out, result.png)
    } catch (e) {
      return fail(writeFailed(outGiven, e))
    }
    const ms = Math.round(result.timingsMs.total ?? 0)
    if (json)
      ctx.out(
        JSON.stringify({
          ok: true,
          out,
          width: result.width,
          height: result.height,
          seed,
          steps,
          guidance: job.guidance,
          model: job.model,
          provider: engine.activeProvider,
          placement: engine.placement,
          timingsMs: result.timingsMs,
        }) + '\n',
      )
    else {
      ctx.out(
        `wrote ${displayFileName(out)} (${result.width}×${result.height}, seed ${seed}, ${steps} steps, ${ms} ms on ${engine.activeProvider ?? '?'})\n`,
      )
      const placed = engine.placement
      if (placed.length) ctx.out(`  ran: ${placed.map((p) => `${p.component} on ${p.provider}`).join(' · ')}\n`)
    }
    return EXIT.ok
  } catch (e) {
    bar?.done()
    return fail(toErrorData(e, 'engine.failed'))
  } finally {
    await engine.release()
  }
}

const COMMON =
  '--prompt TEXT [--out FILE] [--seed N] [--steps N] [--guidance X] [--width W --height H] [--model ID|DIR] [--provider auto|cpu|cuda|dml|webgpu] [--json]'

export const generateCommand: CliCommand = {
  summary: 'generate an image from a prompt',
  usage: `kontext generate ${COMMON}`,
  run: (argv, ctx) => run('generate', argv, ctx),
}

export const editCommand: CliCommand = {
  summary: 'edit an image (--in) following a prompt, with optional extra references (--ref) or only inside a painted mask (--mask)',
  usage: `kontext edit --in IMAGE [--ref IMAGE]… [--mask MASK [--feather PX]] ${COMMON}\n      kontext edit --in IMAGE|DIR [--in IMAGE|DIR]… --out DIR … (several inputs in one process; each result under its input's name)`,
  run: (argv, ctx) => run('edit', argv, ctx),
}

/** `kontext generate` (text → image) and `kontext edit` (--in image [+ --ref …] → image). */
import { randomInt } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { displayFileName } from '../../core/displayText'
import { studioError, toErrorData, type StudioErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { checkOutPath, checkPrompt, isError, readImageInput, samplingOptions, usageError, writeFailed } from './inputs'
import { DEFAULT_MODEL_ID, knownModelDirs, modelFolderArg } from './modelDirs'
import { progressBar } from './progressBar'

const OPTIONS = {
  prompt: { type: 'string', short: 'p' },
  in: { type: 'string', short: 'i' },
  ref: { type: 'string', multiple: true },
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
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; args: string[]; allowPositionals: false }>>['values']
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values
  } catch (e) {
    return reportError(ctx, usageError(e instanceof Error ? e.message : String(e)), argv.includes('--json'))
  }
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  const prompt = checkPrompt(values.prompt)
  if (isError(prompt)) return fail(prompt)
  if (mode === 'edit' && !values.in) return fail(usageError('edit needs --in <image>.', 'Use `kontext generate` for text-to-image.'))
  if (mode === 'generate' && (values.in || values.ref))
    return fail(usageError('generate takes no --in/--ref.', 'Use `kontext edit --in <image>` to edit an image.'))
  const sampling = samplingOptions(values)
  if (isError(sampling)) return fail(sampling)
  // The seed is fixed now so that the default --out name is known before the run.
  const seed = sampling.seed ?? randomInt(0, 2 ** 31)
  const outGiven = values.out ?? `kontext-${seed}.png`
  const out = resolve(ctx.cwd, outGiven)
  const unwritable = checkOutPath(out, outGiven)
  if (unwritable) return fail(unwritable)

  const contexts: Uint8Array[] = []
  for (const [flag, path] of [
    ...(values.in ? [['--in', values.in] as const] : []),
    ...(values.ref ?? []).map((r) => ['--ref', r] as const),
  ]) {
    const bytes = await readImageInput(path, ctx.cwd, flag)
    if (isError(bytes)) return fail(bytes)
    contexts.push(bytes)
  }

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
  const job = {
    model: summary.id,
    prompt,
    contexts,
    seed,
    steps,
    guidance: sampling.guidance ?? summary.defaultGuidance,
    ...(sampling.size ? { width: sampling.size.width, height: sampling.size.height } : {}),
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
  summary: 'edit an image (--in) following a prompt, with optional extra references (--ref)',
  usage: `kontext edit --in IMAGE [--ref IMAGE]… ${COMMON}`,
  run: (argv, ctx) => run('edit', argv, ctx),
}

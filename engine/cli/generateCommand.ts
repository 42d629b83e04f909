/** `kontext generate` (text → image) and `kontext edit` (--in image [+ --ref …] → image). */
import { randomInt } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { studioError, toErrorData, type StudioErrorData } from '../../core/result'
import { KontextEngine } from '../engineService'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
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

const usageError = (message: string, hint?: string): StudioErrorData =>
  studioError('cli.usage', message, hint ?? 'Run `kontext help` for the options.')

function intOption(name: string, value: string | undefined, min: number): number | undefined | StudioErrorData {
  if (value === undefined) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= min ? n : usageError(`--${name} must be an integer ≥ ${min}, got “${value}”.`)
}

function readInput(path: string, cwd: string, flag: string): Uint8Array | StudioErrorData {
  const full = resolve(cwd, path)
  if (!existsSync(full)) return studioError('file.notFound', `${flag} ${path}: no such file.`, 'Check the path.')
  if (!statSync(full).isFile()) return studioError('file.notAFile', `${flag} ${path} is a folder, not an image file.`)
  return new Uint8Array(readFileSync(full))
}

const isError = (v: unknown): v is StudioErrorData => typeof v === 'object' && v !== null && 'code' in v && 'message' in v

async function run(mode: 'generate' | 'edit', argv: string[], ctx: CliContext): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; args: string[]; allowPositionals: false }>>['values']
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values
  } catch (e) {
    return reportError(ctx, usageError(e instanceof Error ? e.message : String(e)), argv.includes('--json'))
  }
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  if (!values.prompt) return fail(usageError('--prompt is required.'))
  if (mode === 'edit' && !values.in) return fail(usageError('edit needs --in <image>.', 'Use `kontext generate` for text-to-image.'))
  if (mode === 'generate' && (values.in || values.ref))
    return fail(usageError('generate takes no --in/--ref.', 'Use `kontext edit --in <image>` to edit an image.'))

  const nums = {
    seed: intOption('seed', values.seed, 0),
    steps: intOption('steps', values.steps, 1),
    width: intOption('width', values.width, 1),
    height: intOption('height', values.height, 1),
  }
  for (const v of Object.values(nums)) if (isError(v)) return fail(v)
  const guidance = values.guidance === undefined ? undefined : Number(values.guidance)
  if (guidance !== undefined && !(guidance >= 0)) return fail(usageError(`--guidance must be a number ≥ 0, got “${values.guidance}”.`))
  if ((nums.width === undefined) !== (nums.height === undefined)) return fail(usageError('Give --width and --height together.'))

  const contexts: Uint8Array[] = []
  for (const [flag, path] of [
    ...(values.in ? [['--in', values.in] as const] : []),
    ...(values.ref ?? []).map((r) => ['--ref', r] as const),
  ]) {
    const bytes = readInput(path, ctx.cwd, flag)
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

  const seed = (nums.seed as number | undefined) ?? randomInt(0, 2 ** 31)
  const steps = (nums.steps as number | undefined) ?? summary.defaultSteps
  const job = {
    model: summary.id,
    prompt: values.prompt,
    contexts,
    seed,
    steps,
    guidance: guidance ?? summary.defaultGuidance,
    ...(nums.width !== undefined ? { width: nums.width as number, height: nums.height as number } : {}),
  }
  const out = resolve(ctx.cwd, values.out ?? `kontext-${seed}.png`)
  const bar = ctx.isTTY && !json ? progressBar(ctx.err) : null
  try {
    const result = await engine.run(job, {
      signal: ctx.signal,
      previews: false,
      ...(bar ? { onProgress: (p) => bar.update(p.step, p.totalSteps) } : {}),
    })
    bar?.done()
    mkdirSync(dirname(out), { recursive: true })
    writeFileSync(out, result.png)
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
          provider: engine.pool.activeProvider,
          timingsMs: result.timingsMs,
        }) + '\n',
      )
    else
      ctx.out(
        `wrote ${basename(out)} (${result.width}×${result.height}, seed ${seed}, ${steps} steps, ${ms} ms on ${engine.pool.activeProvider ?? '?'})\n`,
      )
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

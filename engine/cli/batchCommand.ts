/**
 * `kontext batch` — one instruction over a folder of images. Without --queue the items run here
 * (one engine, a small window in flight); with --queue they go to a BullMQ queue on Redis for
 * `kontext worker`s, and the results are collected back into --out under the same file names.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { studioError, type StudioErrorData } from '../../core/result'
import { runLocalBatch, writeAtomic } from '../batch/localRunner'
import { summarize, summaryText, type ItemOutcome } from '../batch/outcome'
import { BatchSettings, listInputs, outputName, planBatch, sha256Hex } from '../batch/plan'
import { withRegionMasks } from '../batch/regionPlan'
import { REGION_PRESETS, isMaskPreset, type RegionPreset } from '../../core/domain/regionPreset'
import { SAMPLING_LIMITS } from '../../core/limits'
import { isError, numberOption, usageError } from './inputs'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { openEngine } from './openEngine'
import { countOption, parseOptions } from './options'

const OPTIONS = {
  in: { type: 'string', short: 'i' },
  prompt: { type: 'string', short: 'p' },
  out: { type: 'string', short: 'o' },
  ref: { type: 'string', multiple: true },
  seed: { type: 'string' },
  steps: { type: 'string' },
  guidance: { type: 'string' },
  model: { type: 'string', short: 'm' },
  provider: { type: 'string' },
  depth: { type: 'string' },
  queue: { type: 'string' },
  region: { type: 'string' },
  'queue-name': { type: 'string' },
  attempts: { type: 'string' },
  'no-wait': { type: 'boolean' },
  pause: { type: 'boolean' },
  resume: { type: 'boolean' },
  json: { type: 'boolean' },
} as const

const usage = usageError

async function run(argv: string[], ctx: CliContext): Promise<number> {
  const given = parseOptions(argv, OPTIONS, ctx)
  if ('exit' in given) return given.exit
  const { values } = given
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  if (values.pause || values.resume) return pauseOrResume(values, ctx, fail, json)
  if (!values.in || !values.prompt || !values.out) return fail(usage('batch needs --in DIR, --prompt TEXT and --out DIR.'))
  if (values['no-wait'] && !values.queue) return fail(usage('--no-wait needs --queue (without a queue the batch runs here).'))
  const region = (values.region ?? 'whole') as RegionPreset
  if (!REGION_PRESETS.includes(region))
    return fail(usage(`--region ${values.region ?? ''} is not a region preset; give one of ${REGION_PRESETS.join(', ')}.`))
  const nums = {
    // The studio's own limits (core/limits.ts), as for kontext edit and the API.
    seed: numberOption('seed', values.seed, SAMPLING_LIMITS.seed),
    steps: numberOption('steps', values.steps, SAMPLING_LIMITS.steps),
    depth: countOption('depth', values.depth, 1, 16),
    attempts: countOption('attempts', values.attempts, 1, 100),
  }
  for (const v of Object.values(nums)) if (isError(v)) return fail(v)
  const guidance = numberOption('guidance', values.guidance, SAMPLING_LIMITS.guidance)
  if (isError(guidance)) return fail(guidance)

  const inputs = listInputs(resolve(ctx.cwd, values.in))
  if (!inputs.ok) return fail(inputs.error)
  const refs: Uint8Array[] = []
  for (const r of values.ref ?? []) {
    const full = resolve(ctx.cwd, r)
    if (!existsSync(full) || !statSync(full).isFile())
      return fail(studioError('file.notFound', `--ref ${r}: no such file.`, 'Check the path.'))
    refs.push(new Uint8Array(readFileSync(full)))
  }
  const log = (line: string) => (json ? undefined : ctx.err(`${line}\n`))
  // The model's defaults (and, without a queue, the engine) come from the local installation.
  const opened = openEngine({
    ...(values.model ? { model: values.model } : {}),
    ...(values.provider ? { provider: values.provider } : {}),
    cwd: ctx.cwd,
    log,
  })
  if (!opened.ok) return fail(opened.error)
  const { engine, model } = opened.value
  const parsed = BatchSettings.safeParse({
    prompt: values.prompt,
    model: model.id,
    steps: (nums.steps as number | undefined) ?? model.defaultSteps,
    guidance: guidance ?? model.defaultGuidance,
    refs: refs.map(sha256Hex),
    seed: (nums.seed as number | undefined) ?? null,
  })
  if (!parsed.success) return fail(usage(`The batch settings are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`))
  const settings = parsed.data
  const planned = planBatch(inputs.value, settings)
  // A region preset's masks are made from each photo here, before anything runs (they are part of the keys).
  const regionPlan = isMaskPreset(region) ? await withRegionMasks(planned, settings, region) : { items: planned, refused: [] }
  const items = regionPlan.items
  const total = planned.length
  const outDir = resolve(ctx.cwd, values.out)
  mkdirSync(outDir, { recursive: true })
  const progress = (o: ItemOutcome, done: number) => {
    const finished = done + regionPlan.refused.length
    if (json) return
    if (!o.ok) ctx.err(`  ${o.name}: ${o.error.message}\n`)
    if (ctx.isTTY || finished === total) ctx.err(`\r${finished}/${total}`)
    if (finished === total) ctx.err('\n')
  }

  regionPlan.refused.forEach((o, i) => progress(o, i + 1 - regionPlan.refused.length))
  let outcomes: ItemOutcome[]
  try {
    if (values.queue) {
      await engine.release()
      const { runQueuedBatch } = await import('../batch/bullmqQueue')
      const r = await runQueuedBatch({
        url: values.queue,
        ...(values['queue-name'] ? { queueName: values['queue-name'] } : {}),
        items,
        settings,
        refs,
        readInput: async (item) => new Uint8Array(await readFile(item.path)),
        readMask: async (item) => item.maskPng ?? new Uint8Array(),
        deliver: (item, png) => writeAtomic(join(outDir, outputName(item.name)), png),
        wait: !values['no-wait'],
        ...(nums.attempts !== undefined ? { attempts: nums.attempts as number } : {}),
        signal: ctx.signal,
        onItem: progress,
        log,
      })
      if (!r.ok) return fail(r.error)
      if (r.value === 'queued') {
        if (json) ctx.out(JSON.stringify({ ok: true, queued: items.length, model: settings.model, steps: settings.steps }) + '\n')
        else ctx.out(`queued ${items.length} items; run the same command without --no-wait to collect the results.\n`)
        return EXIT.ok
      }
      outcomes = r.value
    } else {
      if (!json) log(`batch: ${total} items on ${model.id}, ${settings.steps} steps${isMaskPreset(region) ? `, region ${region}` : ''}`)
      outcomes = await runLocalBatch({
        engine,
        items,
        settings,
        refs,
        outDir,
        ...(nums.depth !== undefined ? { depth: nums.depth as number } : {}),
        signal: ctx.signal,
        onItem: progress,
      })
    }
  } finally {
    await engine.release()
  }
  // In the folder's order, the items refused by the region preset among them.
  const order = new Map(planned.map((p, i) => [p.name, i]))
  const all = [...regionPlan.refused, ...outcomes].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0))
  const summary = summarize(all)
  if (json)
    ctx.out(
      JSON.stringify({ ...summary, outDir, model: settings.model, steps: settings.steps, guidance: settings.guidance, region }) + '\n',
    )
  else ctx.out(summaryText(summary, outDir))
  if (ctx.signal.aborted) return EXIT.cancelled
  return summary.ok ? EXIT.ok : EXIT.failed
}

/** `--pause` / `--resume`: the whole queue (one queue per batch with --queue-name pauses one batch). */
async function pauseOrResume(
  values: {
    queue?: string | undefined
    'queue-name'?: string | undefined
    pause?: boolean | undefined
    resume?: boolean | undefined
    in?: string | undefined
  },
  ctx: CliContext,
  fail: (e: StudioErrorData) => number,
  json: boolean,
): Promise<number> {
  if (values.pause && values.resume) return fail(usage('Give --pause or --resume, not both.'))
  if (!values.queue) return fail(usage('--pause and --resume need --queue redis://HOST:PORT (the queue the workers take from).'))
  if (values.in) return fail(usage('--pause and --resume act on a queue; give them without --in, --prompt and --out.'))
  const { controlQueue } = await import('../batch/queueControl')
  const r = await controlQueue(values.queue, values['queue-name'], values.pause === true)
  if (!r.ok) return fail(r.error)
  const q = r.value
  if (json) ctx.out(JSON.stringify({ ok: true, ...q }) + '\n')
  else ctx.out(`queue ${q.queueName} on ${q.endpoint}: ${q.paused ? 'paused' : 'running'} (${q.waiting} waiting, ${q.active} in hand)\n`)
  return EXIT.ok
}

export const batchCommand: CliCommand = {
  summary: 'edit every image of a folder with one prompt, here or through a Redis queue of workers',
  usage:
    'kontext batch --in DIR --prompt TEXT --out DIR [--ref IMAGE]… [--seed N] [--steps N] [--guidance X] [--model ID] [--provider NAME] [--depth N] [--region whole|background|centre|edges] [--queue redis[s]://[:PASSWORD@]HOST:PORT [--queue-name NAME] [--attempts N] [--no-wait]] [--json]\n       kontext batch --pause|--resume --queue redis[s]://HOST:PORT [--queue-name NAME] [--json]',
  run,
}

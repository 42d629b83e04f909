/**
 * `kontext worker --queue redis://…` — takes batch items off the queue until stopped (SIGINT or
 * SIGTERM: the job in hand finishes first). One engine for all jobs, sessions loaded once.
 */
import type { StudioErrorData } from '../../core/result'
import { isError, usageError } from './inputs'
import { EXIT, reportError, type CliCommand, type CliContext } from './context'
import { openEngine } from './openEngine'
import { countOption, parseOptions } from './options'

const OPTIONS = {
  queue: { type: 'string' },
  'queue-name': { type: 'string' },
  model: { type: 'string', short: 'm' },
  provider: { type: 'string' },
  concurrency: { type: 'string' },
  'lock-ms': { type: 'string' },
  'stalled-ms': { type: 'string' },
  json: { type: 'boolean' },
} as const

const usage = usageError

async function run(argv: string[], ctx: CliContext): Promise<number> {
  const given = parseOptions(argv, OPTIONS, ctx)
  if ('exit' in given) return given.exit
  const { values } = given
  const json = values.json ?? false
  const fail = (e: StudioErrorData) => reportError(ctx, e, json)
  if (!values.queue) return fail(usage('worker needs --queue redis://HOST:PORT.'))
  const nums = {
    concurrency: countOption('concurrency', values.concurrency, 1, 16),
    lockMs: countOption('lock-ms', values['lock-ms'], 1000, 3_600_000),
    stalledMs: countOption('stalled-ms', values['stalled-ms'], 500, 3_600_000),
  }
  for (const v of Object.values(nums)) if (isError(v)) return fail(v)
  // --json: one event per line on stdout (ready, start, stored, duplicate, stopped), for scripts and tests.
  const event = (e: Record<string, unknown>) => json && ctx.out(JSON.stringify({ ...e, pid: process.pid }) + '\n')
  const log = (line: string) => ctx.err(`${line}\n`)
  const opened = openEngine({
    ...(values.model ? { model: values.model } : {}),
    ...(values.provider ? { provider: values.provider } : {}),
    cwd: ctx.cwd,
    log,
  })
  if (!opened.ok) return fail(opened.error)
  const { engine } = opened.value
  const models = values.model ? [opened.value.model.id] : engine.summaries().map((m) => m.id)
  for (const id of models) await engine.prepare(id)
  const { startWorker } = await import('../batch/bullmqQueue')
  const started = await startWorker({
    url: values.queue,
    ...(values['queue-name'] ? { queueName: values['queue-name'] } : {}),
    engine,
    models,
    ...(nums.concurrency !== undefined ? { concurrency: nums.concurrency as number } : {}),
    ...(nums.lockMs !== undefined ? { lockMs: nums.lockMs as number } : {}),
    ...(nums.stalledMs !== undefined ? { stalledIntervalMs: nums.stalledMs as number } : {}),
    log,
    onEvent: (e) => event(e),
  })
  if (!started.ok) {
    await engine.release()
    return fail(started.error)
  }
  event({ event: 'ready', models })
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) return resolve()
    ctx.signal.addEventListener('abort', () => resolve(), { once: true })
    process.once('SIGTERM', () => resolve())
  })
  await started.value.close()
  await engine.release()
  event({ event: 'stopped' })
  return EXIT.ok
}

export const workerCommand: CliCommand = {
  summary: 'process `kontext batch` items from a Redis queue until stopped (Ctrl-C / SIGTERM)',
  usage:
    'kontext worker --queue redis[s]://[:PASSWORD@]HOST:PORT [--queue-name NAME] [--model ID] [--provider NAME] [--concurrency N] [--lock-ms MS] [--stalled-ms MS] [--json]',
  run,
}

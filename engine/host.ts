/**
 * Engine process entry. Runs as an Electron utilityProcess child (messages on
 * `process.parentPort`) or a Node `child_process.fork` child (`process.send`/`'message'`);
 * which one is detected at start. One job at a time: a submit while busy is refused with a
 * structured error (the host's queue is the queue). Model folders and the provider come from
 * the environment the parent sets: KONTEXT_MODEL_DIRS (JSON array), KONTEXT_PROVIDER.
 */
import { toErrorData, studioError } from '../core/result'
import { freemem, totalmem } from 'node:os'
import { KontextEngine } from './engineService'
import { shouldReleaseSessions } from './memoryPressure'
import { requestSchema, type EngineReplyOut, type EngineRequest } from './protocol'
import { parentTransport } from './childTransport'

function modelDirs(): string[] {
  try {
    const dirs = JSON.parse(process.env.KONTEXT_MODEL_DIRS ?? '[]') as unknown
    return Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string') : []
  } catch {
    return []
  }
}

/** Optional RSS ceiling for the engine (KONTEXT_ENGINE_MAX_RSS_MB); free memory is always watched. */
const rssLimit = Number(process.env.KONTEXT_ENGINE_MAX_RSS_MB ?? Infinity) * 2 ** 20

async function releaseUnderPressure(): Promise<void> {
  const reading = { freeBytes: freemem(), totalBytes: totalmem(), rssBytes: process.memoryUsage.rss() }
  if (!shouldReleaseSessions(reading, rssLimit)) return
  const n = await engine.release()
  log(
    `engine: memory is short (${Math.round(reading.freeBytes / 2 ** 20)} MiB free, ${Math.round(reading.rssBytes / 2 ** 20)} MiB resident); released ${n} sessions`,
  )
}

const port = parentTransport<EngineReplyOut>('engine/host.ts')
const log = (line: string) => port.send({ type: 'log', line })
const engine = new KontextEngine({
  modelDirs: modelDirs(),
  ...(process.env.KONTEXT_PROVIDER ? { provider: process.env.KONTEXT_PROVIDER } : {}),
  log,
})
let running: { id: number; abort: AbortController } | null = null

async function handle(req: EngineRequest): Promise<void> {
  switch (req.type) {
    case 'ping':
      return port.send({ type: 'pong', id: req.id })
    case 'describe':
      return port.send({ type: 'description', id: req.id, description: engine.describe(running ? 'busy' : 'ready') })
    case 'cancel':
      running?.abort.abort()
      return
    case 'release':
      return port.send({ type: 'released', id: req.id, sessions: await engine.release() })
    case 'planFit':
      // Tensor shapes and arithmetic only: nothing is loaded.
      return port.send({ type: 'fitPlan', id: req.id, fit: engine.planFit(req.fit) })
    case 'submit': {
      if (running) {
        return port.send({
          type: 'error',
          id: req.id,
          error: studioError('engine.busy', 'The engine is already running a job.', 'Wait for it to finish or cancel it.'),
        })
      }
      const abort = new AbortController()
      running = { id: req.id, abort }
      try {
        const result = await engine.run(req.job, {
          signal: abort.signal,
          onProgress: (progress) => port.send({ type: 'progress', id: req.id, progress }),
        })
        port.send({ type: 'result', id: req.id, result })
      } catch (e) {
        port.send({ type: 'error', id: req.id, error: toErrorData(e, 'engine.failed') })
      } finally {
        running = null
        await releaseUnderPressure()
      }
    }
  }
}

port.onMessage((raw) => {
  const parsed = requestSchema.safeParse(raw)
  if (!parsed.success) {
    // Answer the request it was (when its id is readable), so a job outside the limits fails
    // at once instead of leaving its caller waiting.
    const id =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'number' ? (raw as { id: number }).id : null
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
    port.send({
      type: 'error',
      id,
      error: studioError('engine.badMessage', `The engine received a malformed message: ${where}${issue?.message ?? 'unknown'}.`),
    })
    return
  }
  // The provider was checked when the process started; a bad one fails each job with its reason.
  // A failure answers the request that caused it, so the host never waits out a timeout.
  const id = parsed.data.id
  void handle(parsed.data).catch((e: unknown) => port.send({ type: 'error', id, error: toErrorData(e, 'engine.failed') }))
})

const provider = engine.checkProvider()
if (!provider.ok) log(`engine: ${provider.error.message} ${provider.error.hint ?? ''}`)
port.send({ type: 'ready', pid: process.pid })

// A forked child whose parent is gone has no one to serve (Electron kills utility processes itself).
process.on('disconnect', () => process.exit(0))

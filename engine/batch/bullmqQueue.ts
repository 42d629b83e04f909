/**
 * The batch on BullMQ: `runQueuedBatch` enqueues one job per item (jobId = result key, so a
 * re-submitted or duplicated item is one job) and collects results; `startWorker` processes jobs
 * with one engine. A killed worker's job is found by BullMQ's stalled check once its lock
 * (lockDuration, renewed while alive) expires, and runs again elsewhere; the result store's
 * SET NX keeps that second run from making a second result.
 */
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job, type RedisOptions } from 'bullmq'
import { z } from 'zod'
import { errorData, studioError, toErrorData, type Result, type StudioErrorData, err, ok } from '../../core/result'
import { itemJob, type EditEngine } from './localRunner'
import type { ItemOutcome } from './outcome'
import { BatchSettings, BlobHash, outputName, resultKey, seedFor, sha256Hex, type PlannedItem } from './plan'
import type { Redis } from 'ioredis'
import { openRedis, probe } from './redis/client'
import { describeEndpoint, parseRedisUrl, type RedisEndpoint } from './redis/redisUrl'
import { RedisBlobStore } from './redisStore'

export const DEFAULT_QUEUE = 'kontext-batch'

/** A job carries hashes and settings, never a path; the worker re-derives the key and seed from them. */
export const JobData = z.object({
  v: z.literal(1),
  key: BlobHash,
  input: BlobHash,
  settings: BatchSettings,
  /** A region edit's mask, as a blob hash (part of the key: a worker that ignored it would refuse the key). */
  mask: BlobHash.optional(),
})
export type JobData = z.infer<typeof JobData>

export async function connectTo(url: string): Promise<Result<{ endpoint: RedisEndpoint; redis: Redis }>> {
  const endpoint = parseRedisUrl(url)
  if (!endpoint.ok) return endpoint
  const problem = await probe(endpoint.value)
  if (problem !== null)
    return err(
      studioError(
        'queue.unreachable',
        `Cannot reach Redis at ${describeEndpoint(endpoint.value)}: ${problem}`,
        'Check the URL, the password (or $KONTEXT_REDIS_PASSWORD), the TLS certificate (rediss://) and that the server is running.',
      ),
    )
  const redis = openRedis(endpoint.value)
  await redis.connect()
  return ok({ endpoint: endpoint.value, redis })
}

/** BullMQ objects report connection trouble as 'error' events; say it once per outage, briefly. */
function logErrorsOnce(emitter: { on(event: 'error', f: (e: Error) => void): unknown }, log: (line: string) => void, who: string) {
  let last = ''
  emitter.on('error', (e) => {
    if (e.message !== last) log(`${who}: ${e.message}`)
    last = e.message
  })
}

/** Item failures cross Redis as “code: message” (BullMQ keeps a reason string). */
const encodeReason = (e: StudioErrorData): string => `${e.code}: ${e.message}${e.hint ? ` — ${e.hint}` : ''}`
function decodeReason(reason: string): StudioErrorData {
  const m = /^([a-z]+(?:\.[A-Za-z]+)+): ([\s\S]*?)(?: — ([\s\S]*))?$/.exec(reason)
  return m ? errorData(m[1] as string, m[2] as string, m[3]) : studioError('job.failed', reason)
}

/** What the queue needs of an item: a unique name, its input's hash and its result key. */
export type QueuedItem = Pick<PlannedItem, 'name' | 'inputHash' | 'key' | 'maskHash'>

export interface QueuedBatch<I extends QueuedItem = QueuedItem> {
  readonly url: string
  readonly queueName?: string
  readonly items: readonly I[]
  readonly settings: BatchSettings
  readonly refs: readonly Uint8Array[]
  /** The input's bytes (a file for the CLI, a stored blob for the studio). */
  readonly readInput: (item: I) => Promise<Uint8Array>
  /** The region mask's bytes of an item with a `maskHash` (sent as a blob beside its input). */
  readonly readMask?: (item: I) => Promise<Uint8Array>
  /** Takes a result where it belongs (a file in --out, a node in the studio) before it counts as done. */
  readonly deliver: (item: I, png: Uint8Array) => Promise<void>
  readonly wait: boolean
  readonly attempts?: number
  readonly signal?: AbortSignal
  readonly onItem?: (o: ItemOutcome, finished: number) => void
  readonly log: (line: string) => void
}

export async function runQueuedBatch<I extends QueuedItem>(b: QueuedBatch<I>): Promise<Result<ItemOutcome[] | 'queued'>> {
  const c = await connectTo(b.url)
  if (!c.ok) return c
  const { endpoint, redis } = c.value
  const store = new RedisBlobStore(redis)
  const name = b.queueName ?? DEFAULT_QUEUE
  const queue = new Queue<JobData>(name, { connection: { ...endpoint } as RedisOptions })
  // Listening before enqueueing, so the completions of fast workers are not missed.
  const events = new QueueEvents(name, { connection: { ...endpoint } as RedisOptions, autorun: b.wait })
  logErrorsOnce(queue, b.log, 'batch')
  logErrorsOnce(events, b.log, 'batch')
  try {
    for (const [i, ref] of b.refs.entries()) await store.putBlob(b.settings.refs[i] as string, ref)
    const have = await store.haveResults(b.items.map((i) => i.key))
    const toRun = b.items.filter((_, i) => !have[i])
    for (const item of toRun) {
      await store.putBlob(item.inputHash, await b.readInput(item))
      if (item.maskHash) {
        if (!b.readMask) throw new Error('a region batch needs readMask')
        await store.putBlob(item.maskHash, await b.readMask(item))
      }
    }
    if (b.wait) await events.waitUntilReady()
    await enqueueItems(queue, store, toRun, b.settings, b.attempts ?? 3)
    b.log(`batch: ${b.items.length} items (${b.items.length - toRun.length} already done) on ${describeEndpoint(endpoint)}`)
    if (!b.wait) return ok('queued')
    return ok(await collect(queue, events, store, b))
  } finally {
    await events.close().catch(() => undefined)
    await queue.close().catch(() => undefined)
    await redis.quit().catch(() => undefined)
  }
}

/**
 * Completed jobs are kept a day (1.9 KB each in Redis, bench/README.md) so that adding the same job id again
 * while it finishes is a no-op: with completed jobs removed at once, an item that finished between
 * a caller's result check and its add was added afresh and ran a second time.
 */
const KEEP_COMPLETED = { age: 24 * 3600 }

export async function enqueueItems(
  queue: Queue<JobData>,
  store: RedisBlobStore,
  items: readonly QueuedItem[],
  settings: BatchSettings,
  attempts: number,
): Promise<void> {
  const toAdd: QueuedItem[] = []
  for (const item of items) {
    const state = await queue.getJobState(item.key)
    // A job that failed for good earlier is retried (a re-submission means “try again”); a live one is left alone.
    if (state === 'failed') await (await queue.getJob(item.key))?.retry('failed')
    else if (state === 'completed') {
      // Its result expired or was evicted while the job record stayed: run it again.
      if ((await store.haveResults([item.key]))[0]) continue
      await (await queue.getJob(item.key))?.remove()
      toAdd.push(item)
    } else toAdd.push(item)
  }
  const jobs = toAdd.map((item) => ({
    name: 'edit',
    data: { v: 1 as const, key: item.key, input: item.inputHash, settings, ...(item.maskHash ? { mask: item.maskHash } : {}) },
    opts: { jobId: item.key, attempts, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: KEEP_COMPLETED },
  }))
  for (let i = 0; i < jobs.length; i += 500) await queue.addBulk(jobs.slice(i, i + 500))
}

/**
 * Waits until every item has a result or has failed for good, writing results as they arrive.
 * Driven by the queue's event stream (QueueEvents: a completed or failed job is one event, so
 * the cost is per item, not per item per poll); a slow sweep over what is still pending catches
 * anything the stream missed (events before we listened, a Redis restart) and re-adds any job the
 * queue no longer has.
 */
async function collect<I extends QueuedItem>(
  queue: Queue<JobData>,
  events: QueueEvents,
  store: RedisBlobStore,
  b: QueuedBatch<I>,
): Promise<ItemOutcome[]> {
  const outcomes = new Map<string, ItemOutcome>()
  const pending = new Map<string, I[]>()
  for (const item of b.items) pending.set(item.key, [...(pending.get(item.key) ?? []), item])
  let finished = 0
  const settle = (key: string, o: (item: I) => ItemOutcome) => {
    for (const item of pending.get(key) ?? []) {
      outcomes.set(item.name, o(item))
      b.onItem?.(outcomes.get(item.name) as ItemOutcome, ++finished)
    }
    pending.delete(key)
  }
  const dirty = new Set<string>()
  let wake: (() => void) | null = null
  const signal = (key: string) => {
    if (!pending.has(key)) return
    dirty.add(key)
    wake?.()
  }
  events.on('completed', ({ jobId }) => signal(jobId))
  events.on('failed', ({ jobId }) => signal(jobId))
  b.signal?.addEventListener('abort', () => wake?.(), { once: true })

  /** Settles keys whose result is there (writing it out); returns the others. */
  const takeResults = async (keys: readonly string[]): Promise<string[]> => {
    const have = await store.haveResults(keys)
    const rest: string[] = []
    for (const [i, key] of keys.entries()) {
      const png = have[i] ? await store.getResult(key) : null
      if (!png) {
        rest.push(key)
        continue
      }
      for (const item of pending.get(key) ?? []) await b.deliver(item, png)
      settle(key, (item) => ({ name: item.name, key, ok: true, out: outputName(item.name) }))
    }
    return rest
  }
  const takeFailure = async (key: string) => {
    if ((await queue.getJobState(key)) !== 'failed') return // a retry is coming
    const reason = decodeReason((await queue.getJob(key))?.failedReason ?? 'failed')
    settle(key, (item) => ({ name: item.name, key, ok: false, error: reason }))
  }
  /** The whole pending set, in a few queue-wide calls rather than one state lookup per item. */
  const sweep = async () => {
    const rest = await takeResults([...pending.keys()])
    if (rest.length === 0) return
    const counts = await queue.getJobCounts('failed', 'waiting', 'active', 'delayed', 'prioritized')
    if ((counts.failed ?? 0) > 0) for (const key of rest) if (pending.has(key)) await takeFailure(key)
    // Nothing left in the queue, yet items without results: their jobs are gone; add them again.
    const live = (counts.waiting ?? 0) + (counts.active ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0)
    if (live === 0) {
      const missing = rest.filter((k) => pending.has(k)).map((k) => (pending.get(k) as I[])[0] as I)
      if (missing.length > 0) await enqueueItems(queue, store, missing, b.settings, b.attempts ?? 3)
    }
  }
  const SWEEP_MS = 5000
  let lastSweep = 0
  let warned = false
  while (pending.size > 0 && !b.signal?.aborted) {
    try {
      const keys = [...dirty].filter((k) => pending.has(k))
      dirty.clear()
      for (const key of await takeResults(keys)) await takeFailure(key)
      if (performance.now() - lastSweep >= SWEEP_MS) {
        lastSweep = performance.now()
        await sweep()
      }
      warned = false
    } catch (e) {
      // Redis restarting: keep waiting, the clients reconnect; the next sweep looks at everything.
      if (!warned) b.log(`batch: waiting for Redis (${toErrorData(e).message})`)
      warned = true
      lastSweep = 0
    }
    if (pending.size > 0 && dirty.size === 0 && !b.signal?.aborted)
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, SWEEP_MS)
        function done() {
          clearTimeout(t)
          wake = null
          resolve()
        }
        wake = done
      })
  }
  for (const key of [...pending.keys()])
    settle(key, (item) => ({
      name: item.name,
      key,
      ok: false,
      error: studioError('job.cancelled', 'The batch was cancelled before this item finished.'),
    }))
  return b.items.map((i) => outcomes.get(i.name) as ItemOutcome)
}

export interface WorkerOptions {
  readonly url: string
  readonly queueName?: string
  readonly engine: EditEngine
  /** Model ids installed here; a job for another model fails with a clear reason. */
  readonly models: readonly string[]
  readonly concurrency?: number
  /** How long a job's lock lasts without renewal: a killed worker's job waits this long. */
  readonly lockMs?: number
  readonly stalledIntervalMs?: number
  readonly maxStalledCount?: number
  readonly log: (line: string) => void
  /**
   * `start` when a job is taken, then `stored` (this run wrote the result) or `duplicate` (a result
   * was already there: a retried, stalled or duplicated job, refused a second result).
   */
  readonly onEvent?: (e: { event: 'start' | 'stored' | 'duplicate'; key: string }) => void
}

export interface RunningWorker {
  close(): Promise<void>
}

const unrecoverable = (e: StudioErrorData) => new UnrecoverableError(encodeReason(e))
/** Errors a retry cannot fix: the input itself is bad. */
const permanent = (code: string) =>
  code.startsWith('image.') || code.startsWith('prompt.') || code.startsWith('region.') || code === 'job.invalid'

export async function startWorker(o: WorkerOptions): Promise<Result<RunningWorker>> {
  const c = await connectTo(o.url)
  if (!c.ok) return c
  const { endpoint, redis } = c.value
  const store = new RedisBlobStore(redis)
  const handle = async (job: Job<JobData>): Promise<{ key: string; stored: boolean }> => {
    const parsed = JobData.safeParse(job.data)
    if (!parsed.success) throw unrecoverable(studioError('job.invalid', 'The job is not a kontext batch item.'))
    const { key, input, settings, mask } = parsed.data
    if (resultKey(input, settings, mask) !== key)
      throw unrecoverable(studioError('job.invalid', 'The job’s key does not match its input and settings.'))
    if (!o.models.includes(settings.model))
      throw new Error(encodeReason(studioError('model.unknown', `Model “${settings.model}” is not installed on this worker.`)))
    o.onEvent?.({ event: 'start', key })
    if ((await store.haveResults([key]))[0]) {
      o.onEvent?.({ event: 'duplicate', key })
      return { key, stored: false }
    }
    const hashes = [input, ...settings.refs, ...(mask ? [mask] : [])]
    const blobs = await Promise.all(hashes.map((h) => store.getBlob(h)))
    // Content-addressed: a blob that does not hash to its name is as good as missing.
    if (blobs.some((b, i) => b === null || sha256Hex(b) !== hashes[i]))
      throw unrecoverable(studioError('blob.missing', 'An input of this item is missing from Redis (expired?).', 'Submit the batch again.'))
    const [first, ...rest] = blobs.map((b) => new Uint8Array(b as Buffer))
    const refs = mask ? rest.slice(0, -1) : rest
    const maskPng = mask ? rest.at(-1) : undefined
    let png: Uint8Array
    try {
      png = (
        await o.engine.run(itemJob({ seed: seedFor(input, settings.seed) }, first as Uint8Array, refs, settings, undefined, maskPng), {
          previews: false,
        })
      ).png
    } catch (e) {
      const data = toErrorData(e, 'engine.failed')
      throw permanent(data.code) ? unrecoverable(data) : new Error(encodeReason(data))
    }
    const stored = await store.putResult(key, png)
    o.onEvent?.({ event: stored ? 'stored' : 'duplicate', key })
    return { key, stored }
  }
  const worker = new Worker<JobData>(o.queueName ?? DEFAULT_QUEUE, handle, {
    connection: { ...endpoint } as RedisOptions,
    concurrency: o.concurrency ?? 1,
    lockDuration: o.lockMs ?? 30_000,
    stalledInterval: o.stalledIntervalMs ?? Math.max(1000, Math.round((o.lockMs ?? 30_000) / 2)),
    maxStalledCount: o.maxStalledCount ?? 3,
  })
  worker.on('failed', (job, e) => job && o.log(`worker: ${job.id?.slice(0, 12)} failed (attempt ${job.attemptsMade}): ${e.message}`))
  logErrorsOnce(worker, o.log, 'worker')
  await worker.waitUntilReady()
  o.log(`worker: ready on ${describeEndpoint(endpoint)} queue ${o.queueName ?? DEFAULT_QUEUE}`)
  return ok({
    async close() {
      await worker.close()
      await redis.quit().catch(() => undefined)
    },
  })
}

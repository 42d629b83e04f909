/**
 * Pause and resume of a batch queue on Redis (BullMQ's own queue pause): while paused, workers
 * take no new item — the ones in hand finish — and waiting items stay queued until resumed.
 * The pause is the queue's, so it holds for every worker on every machine and survives a worker
 * or collector restart (and a Redis restart, with persistence on).
 */
import { Queue, type RedisOptions } from 'bullmq'
import { ok, type Result } from '../../core/result'
import { connectTo, DEFAULT_QUEUE } from './bullmqQueue'
import { describeEndpoint } from './redis/redisUrl'

export interface QueueStatus {
  /** The server, without credentials. */
  readonly endpoint: string
  readonly queueName: string
  readonly paused: boolean
  readonly waiting: number
  readonly active: number
}

/** Pauses (`true`), resumes (`false`) or only reads (`null`) the queue. */
export async function controlQueue(url: string, queueName: string | undefined, paused: boolean | null): Promise<Result<QueueStatus>> {
  const c = await connectTo(url)
  if (!c.ok) return c
  const { endpoint, redis } = c.value
  const name = queueName ?? DEFAULT_QUEUE
  const queue = new Queue(name, { connection: { ...endpoint } as RedisOptions })
  queue.on('error', () => undefined)
  try {
    if (paused === true) await queue.pause()
    if (paused === false) await queue.resume()
    const counts = await queue.getJobCounts('waiting', 'active', 'prioritized')
    return ok({
      endpoint: describeEndpoint(endpoint),
      queueName: name,
      paused: await queue.isPaused(),
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
    })
  } finally {
    await queue.close().catch(() => undefined)
    await redis.quit().catch(() => undefined)
  }
}

/**
 * Takes items that no worker has started off the queue (a cancelled batch). An item in hand
 * finishes (its result is simply not collected). A collector still waiting for the same key
 * elsewhere re-adds it in its sweep, so nobody else's batch loses an item.
 */
export async function removeWaiting(url: string, queueName: string | undefined, keys: readonly string[]): Promise<Result<number>> {
  const c = await connectTo(url)
  if (!c.ok) return c
  const { endpoint, redis } = c.value
  const queue = new Queue(queueName ?? DEFAULT_QUEUE, { connection: { ...endpoint } as RedisOptions })
  queue.on('error', () => undefined)
  try {
    let removed = 0
    for (const key of keys) {
      const state = await queue.getJobState(key)
      if (state === 'waiting' || state === 'delayed' || state === 'prioritized') removed += await queue.remove(key)
    }
    return ok(removed)
  } finally {
    await queue.close().catch(() => undefined)
    await redis.quit().catch(() => undefined)
  }
}

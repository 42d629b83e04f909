/**
 * Adding an item again while its job finishes must not run it twice. A caller checks for results,
 * then adds the items without one; an item that finished in between used to be added afresh (its
 * completed job was already removed) and ran a second time — a CI run of the pause test saw that
 * second run. Here the in-between is made certain: the item is added again after its job finished,
 * as a caller whose result check came just before would. A real Redis and BullMQ; the job's work
 * is a stand-in that stores a result, since what is under test is the queue, not the engine.
 */
import { Queue, QueueEvents, Worker, type RedisOptions } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { enqueueItems, type JobData } from '../../../engine/batch/bullmqQueue'
import { resultKey, sha256Hex, type BatchSettings } from '../../../engine/batch/plan'
import { RESULT_PREFIX, RedisBlobStore } from '../../../engine/batch/redisStore'
import { PROMPT } from './outputs'
import { startRedis, type TestRedis } from './redisServer'

const QUEUE = 'kontext-reenqueue'
let redis: TestRedis
let queue: Queue<JobData>
let events: QueueEvents
const runs: string[] = []
let worker: Worker<JobData>

const settings: BatchSettings = { prompt: PROMPT, model: 'kontext-tiny', steps: 2, guidance: 2.5, refs: [], seed: null }
const inputHash = sha256Hex(new Uint8Array([1, 2, 3]))
const item = { name: 'a.png', inputHash, key: resultKey(inputHash, settings) }

beforeAll(async () => {
  redis = await startRedis()
  const connection = { host: '127.0.0.1', port: redis.port } as RedisOptions
  queue = new Queue<JobData>(QUEUE, { connection })
  events = new QueueEvents(QUEUE, { connection })
  await events.waitUntilReady()
  const store = new RedisBlobStore(redis.client)
  worker = new Worker<JobData>(
    QUEUE,
    async (job) => {
      runs.push(job.data.key)
      await store.putResult(job.data.key, new Uint8Array([137, 80, 78, 71]))
    },
    { connection },
  )
  await worker.waitUntilReady()
})
afterAll(async () => {
  await worker?.close()
  await events?.close()
  await queue?.close()
  await redis?.stop()
})

/** Resolves when the item's job has completed (listening before the add, so it is not missed). */
const completion = () =>
  new Promise<void>((resolve) => {
    const onDone = ({ jobId }: { jobId: string }) => {
      if (jobId !== item.key) return
      events.off('completed', onDone)
      resolve()
    }
    events.on('completed', onDone)
  })

describe('adding a batch item again', () => {
  it('after its job finished with a result, runs nothing; after that result is gone, runs it once more', async () => {
    const store = new RedisBlobStore(redis.client)
    const first = completion()
    await enqueueItems(queue, store, [item], settings, 3)
    await first
    expect(runs).toEqual([item.key])

    // The late add of a caller whose result check came just before the job finished.
    await enqueueItems(queue, store, [item], settings, 3)
    expect(await queue.getJobState(item.key)).toBe('completed')
    expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 })

    // A result that expired (or was evicted) while the job record stayed is made again.
    await redis.client.del(RESULT_PREFIX + item.key)
    const second = completion()
    await enqueueItems(queue, store, [item], settings, 3)
    await second
    expect(runs).toEqual([item.key, item.key])
    expect((await store.haveResults([item.key]))[0]).toBe(true)
  })
})

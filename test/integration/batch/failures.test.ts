/**
 * What fails, fails for good with its reason, and nothing from a job is trusted: a file that is
 * not an image ends as a failed item (here and through the queue) while the rest are done; jobs
 * forged straight into the queue — a path where a hash belongs, a key that does not match its
 * settings — are refused and write nothing. A Redis with a password refuses a wrong one with a
 * message that does not show it, and takes the right one from the URL or $KONTEXT_REDIS_PASSWORD.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue, QueueEvents, type RedisOptions } from 'bullmq'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_QUEUE } from '../../../engine/batch/bullmqQueue'
import { BLOB_PREFIX, RESULT_PREFIX } from '../../../engine/batch/redisStore'
import { runCli } from '../../fixtures/engine/runCli'
import { writeInputs } from './inputs'
import { keysUnder, PROMPT, type Summary } from './outputs'
import { startRedis, type TestRedis } from './redisServer'
import { spawnWorker, type WorkerProcess } from './workers'

const GUARD_MS = 10 * 60_000
const dir = mkdtempSync(join(tmpdir(), 'kontext-batch-fail-'))
const inDir = join(dir, 'in')
let redis: TestRedis
let worker: WorkerProcess

beforeAll(async () => {
  redis = await startRedis()
  await writeInputs(inDir, 3)
  writeFileSync(join(inDir, 'broken.png'), 'this is not a picture')
  worker = spawnWorker(redis.url)
  await worker.until((e) => e.event === 'ready')
}, GUARD_MS)

afterAll(async () => {
  await worker?.stop()
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const batch = (out: string, ...extra: string[]) =>
  runCli(dir, 'batch', '--in', inDir, '--prompt', PROMPT, '--out', join(dir, out), '--steps', '2', '--provider', 'cpu', '--json', ...extra)

describe('an input that is not an image', () => {
  it.each([
    ['in one process', []],
    ['through the queue', ['--queue']],
  ])(
    'fails alone, with its reason, %s',
    async (_, flags) => {
      const r = await batch(flags.length ? 'queued' : 'local', ...flags.flatMap((f) => [f, redis.url]))
      expect(r.code).toBe(1)
      const s = JSON.parse(r.out) as Summary
      expect(s).toMatchObject({ ok: false, total: 4, done: 3, failed: 1 })
      const bad = s.items.find((i) => !i.ok)
      expect(bad?.name).toBe('broken.png')
      expect(bad?.error?.code).toMatch(/^image\./)
      expect(bad?.error?.message).toContain('context image 1')
    },
    GUARD_MS,
  )
})

describe('a job forged into the queue', () => {
  it(
    'is refused when it names a path or its key does not match its settings, and writes nothing',
    async () => {
      // What the earlier cases left stays (flushing Redis under a live worker can leave it waiting on
      // keys that vanished); nothing may be added to it.
      const resultsBefore = (await keysUnder(redis.client, RESULT_PREFIX)).sort()
      const blobsBefore = (await keysUnder(redis.client, BLOB_PREFIX)).sort()
      const connection = { host: '127.0.0.1', port: redis.port } as RedisOptions
      const queue = new Queue(DEFAULT_QUEUE, { connection })
      const events = new QueueEvents(DEFAULT_QUEUE, { connection })
      try {
        await events.waitUntilReady()
        const settings = { prompt: PROMPT, model: 'kontext-tiny', steps: 2, guidance: 1, refs: [], seed: null }
        const forged = [
          { v: 1, key: 'f'.repeat(64), input: '../../etc/passwd', settings },
          { v: 1, key: 'f'.repeat(64), input: 'e'.repeat(64), settings },
          { v: 1, key: 'f'.repeat(64), input: 'e'.repeat(64), settings: { ...settings, model: '/tmp/evil-model' } },
        ]
        // A worker of its own with normal locks: the earlier cases' worker runs short test locks.
        const own = spawnWorker(redis.url, { shortLocks: false })
        await own.until((e) => e.event === 'ready')
        const jobs = await queue.addBulk(forged.map((data, i) => ({ name: 'edit', data, opts: { jobId: `forged-${i}`, attempts: 3 } })))
        // The job's own state, polled: no reliance on catching its completion event.
        for (const job of jobs)
          await expect
            .poll(async () => (await queue.getJob(job.id as string))?.getState(), { timeout: 120_000, interval: 200 })
            .toBe('failed')
        for (const job of jobs) expect((await queue.getJob(job.id as string))?.failedReason).toMatch(/job\.invalid/)
        await own.stop()
        // Refused for good on the first attempt (no retries of a hostile job), and nothing written.
        for (const job of jobs) expect((await queue.getJob(job.id as string))?.attemptsMade).toBe(1)
        expect((await keysUnder(redis.client, RESULT_PREFIX)).sort()).toEqual(resultsBefore)
        expect((await keysUnder(redis.client, BLOB_PREFIX)).sort()).toEqual(blobsBefore)
        expect([...worker.events, ...own.events].filter((e) => e.key === 'f'.repeat(64))).toEqual([]) // never started
      } finally {
        await events.close()
        await queue.close()
      }
    },
    GUARD_MS,
  )
})

describe('a Redis that requires a password', () => {
  it(
    'refuses a wrong one with a clear message (not echoing it), and takes the right one from the URL or the environment',
    async () => {
      const secured = await startRedis({ password: 'correct-horse' })
      try {
        const url = (auth: string) => `redis://${auth}127.0.0.1:${secured.port}`
        const wrong = await batch('pw-wrong', '--queue', url(':battery-staple@'), '--no-wait')
        expect(wrong.code).toBe(1)
        const e = (JSON.parse(wrong.out) as { error: { code: string; message: string } }).error
        expect(e.code).toBe('queue.unreachable')
        expect(e.message).toMatch(/WRONGPASS/)
        expect(wrong.out + wrong.err).not.toContain('battery-staple')
        const right = await batch('pw-url', '--queue', url(':correct-horse@'), '--no-wait')
        expect(right.code, right.out).toBe(0)
        expect(JSON.parse(right.out)).toMatchObject({ ok: true, queued: 4 })
        process.env.KONTEXT_REDIS_PASSWORD = 'correct-horse'
        const fromEnv = await batch('pw-env', '--queue', url(''), '--no-wait')
        expect(fromEnv.code, fromEnv.out).toBe(0)
        expect(await keysUnder(secured.client, BLOB_PREFIX)).toHaveLength(4)
      } finally {
        delete process.env.KONTEXT_REDIS_PASSWORD
        await secured.stop()
      }
    },
    GUARD_MS,
  )
})

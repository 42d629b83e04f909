/**
 * Nothing lost, nothing twice, when things die mid-batch: a worker killed with SIGKILL in the
 * middle of a job (its job is taken over once the lock expires, by the survivor or a restarted
 * worker), and Redis restarted mid-batch (append-only persistence on: the queue survives; workers
 * and the waiting `kontext batch` reconnect). Each case checks the result count, that no key was
 * stored twice, and every output's bytes against the same items run in one process.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESULT_PREFIX } from '../../../engine/batch/redisStore'
import { runCli } from '../../fixtures/engine/runCli'
import { writeInputs } from './inputs'
import { hashes, keysUnder, PROMPT, type Summary } from './outputs'
import { startRedis, type TestRedis } from './redisServer'
import { spawnWorker, type WorkerEvent, type WorkerProcess } from './workers'

const ITEMS = 30
const GUARD_MS = 15 * 60_000
const dir = mkdtempSync(join(tmpdir(), 'kontext-batch-crash-'))
const inDir = join(dir, 'in')
let redis: TestRedis
let reference: Map<string, string>

const batch = (out: string, ...extra: string[]) =>
  runCli(dir, 'batch', '--in', inDir, '--prompt', PROMPT, '--out', join(dir, out), '--steps', '2', '--provider', 'cpu', '--json', ...extra)

beforeAll(async () => {
  redis = await startRedis()
  await writeInputs(inDir, ITEMS)
  // A second copy of one photo: two items, one key, one job, one result written twice to --out.
  copyFileSync(join(inDir, 'shot-0000.png'), join(inDir, 'shot-copy.png'))
  const local = await batch('local')
  expect(local.code, local.err).toBe(0)
  reference = hashes(join(dir, 'local'))
  expect(reference.size).toBe(ITEMS + 1)
}, GUARD_MS)

afterAll(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const all = (workers: readonly WorkerProcess[]): WorkerEvent[] => workers.flatMap((w) => w.events)
/** Resolves when the workers' events together satisfy `pred` (checked as each worker reports). */
const untilAll = (workers: readonly WorkerProcess[], pred: (events: WorkerEvent[]) => boolean) =>
  Promise.race(workers.map((w) => w.until(() => pred(all(workers)))))

async function expectExactlyOnce(r: { code: number; out: string; err: string }, out: string, workers: readonly WorkerProcess[]) {
  expect(r.code, r.err).toBe(0)
  expect(JSON.parse(r.out) as Summary).toMatchObject({ ok: true, total: ITEMS + 1, done: ITEMS + 1, failed: 0 })
  expect(hashes(join(dir, out))).toEqual(reference)
  const stored = all(workers)
    .filter((e) => e.event === 'stored')
    .map((e) => e.key as string)
  expect(stored.length).toBe(new Set(stored).size) // no key stored twice
  expect((await keysUnder(redis.client, RESULT_PREFIX)).length).toBe(ITEMS) // one result per distinct input
}

describe('kontext worker killed with SIGKILL mid-job', () => {
  it(
    'its job is taken over after the lock expires; every item done once',
    async () => {
      await redis.client.flushall()
      const a = spawnWorker(redis.url)
      const b = spawnWorker(redis.url)
      const workers = [a, b]
      try {
        await Promise.all(workers.map((w) => w.until((e) => e.event === 'ready')))
        const running = batch('killed', '--queue', redis.url)
        // Kill A right after it takes its third job: that job is in its hands, unfinished.
        await a.until((_, events) => events.filter((e) => e.event === 'start').length >= 3)
        await a.stop('SIGKILL')
        const aStarts = a.events.filter((e) => e.event === 'start')
        const orphan = aStarts[aStarts.length - 1]?.key as string
        const finishedByA = a.events.some((e) => e.key === orphan && (e.event === 'stored' || e.event === 'duplicate'))
        expect(finishedByA, 'A finished its last job before the kill landed; nothing was left mid-job').toBe(false)
        // A restarted worker joins the survivor.
        const c = spawnWorker(redis.url)
        workers.push(c)
        const r = await running
        await expectExactlyOnce(r, 'killed', workers)
        // The orphaned job ran again on a live worker (after the kill), not lost with A.
        const retaken = [b, c].flatMap((w) => w.events).filter((e) => e.event === 'start' && e.key === orphan)
        expect(retaken.length).toBeGreaterThanOrEqual(1)
      } finally {
        await Promise.all(workers.map((w) => w.stop()))
      }
    },
    GUARD_MS,
  )
})

describe('Redis restarted mid-batch', () => {
  it(
    'the queue survives (append-only file); workers and the batch reconnect; every item done once',
    async () => {
      await redis.client.flushall()
      const workers = [spawnWorker(redis.url), spawnWorker(redis.url)]
      try {
        await Promise.all(workers.map((w) => w.until((e) => e.event === 'ready')))
        const runId = async () => /run_id:(\w+)/.exec(await redis.client.info('server'))?.[1]
        const before = await runId()
        const running = batch('restarted', '--queue', redis.url)
        await untilAll(workers, (events) => events.filter((e) => e.event === 'stored').length >= 5)
        await redis.restart()
        const storedAtRestart = all(workers).filter((e) => e.event === 'stored').length
        expect(storedAtRestart).toBeLessThan(ITEMS) // it really was mid-batch
        const r = await running
        expect(await runId()).not.toBe(before) // a new server process answered
        await expectExactlyOnce(r, 'restarted', workers)
        // Work went on after the restart, on the same worker processes.
        expect(all(workers).filter((e) => e.event === 'stored').length).toBeGreaterThan(storedAtRestart)
      } finally {
        await Promise.all(workers.map((w) => w.stop()))
      }
    },
    GUARD_MS,
  )
})

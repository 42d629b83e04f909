/**
 * `kontext batch --pause / --resume` on a real Redis with a real `kontext worker`: paused while
 * the worker is on an item, that item finishes and the rest stay waiting; resumed, every item is
 * done exactly once (one stored result per key, none written twice).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_QUEUE } from '../../../engine/batch/bullmqQueue'
import { RESULT_PREFIX } from '../../../engine/batch/redisStore'
import { runCli } from '../../fixtures/engine/runCli'
import { writeInputs } from './inputs'
import { hashes, keysUnder, PROMPT, type Summary } from './outputs'
import { startRedis, type TestRedis } from './redisServer'
import { spawnWorker } from './workers'

const ITEMS = 8
/** Last-resort guard only: the test waits for counts, not times. */
const GUARD_MS = 10 * 60_000
const dir = mkdtempSync(join(tmpdir(), 'kontext-pause-'))
let redis: TestRedis

beforeAll(async () => {
  redis = await startRedis()
  await writeInputs(join(dir, 'in'), ITEMS)
}, GUARD_MS)
afterAll(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const batch = (...extra: string[]) =>
  runCli(
    dir,
    'batch',
    '--in',
    join(dir, 'in'),
    '--prompt',
    PROMPT,
    '--out',
    join(dir, 'out'),
    '--steps',
    '2',
    '--provider',
    'cpu',
    '--json',
    ...extra,
  )
const control = async (flag: '--pause' | '--resume') => {
  const r = await runCli(dir, 'batch', flag, '--queue', redis.url, '--json')
  expect(r.code, r.err).toBe(0)
  return JSON.parse(r.out) as { paused: boolean; waiting: number; active: number; endpoint: string }
}
const active = () => redis.client.llen(`bull:${DEFAULT_QUEUE}:active`)
const results = async () => (await keysUnder(redis.client, RESULT_PREFIX)).length

describe('pausing a Redis batch queue', () => {
  it(
    'keeps items waiting while a worker runs, and resume finishes each exactly once',
    async () => {
      // Normal locks: a 2 s test lock can expire on a loaded machine while the engine holds the event
      // loop, and the stalled item's second run (refused a second result) is not what this test is about.
      const worker = spawnWorker(redis.url, { shortLocks: false })
      try {
        await worker.until((e) => e.event === 'ready')
        const queued = await batch('--queue', redis.url, '--no-wait')
        expect(queued.code, queued.err).toBe(0)
        await worker.until((e) => e.event === 'start')
        const paused = await control('--pause')
        expect(paused.paused).toBe(true)
        expect(paused.endpoint).toBe(redis.url)
        // The item in hand finishes. A worker takes its next item in the same step that finishes
        // one, so an idle worker with items left is the pause at work, not a gap between items.
        while ((await active()) > 0) await new Promise((r) => setTimeout(r, 100))
        const doneWhilePaused = await results()
        expect(doneWhilePaused).toBeLessThan(ITEMS)
        expect(doneWhilePaused).toBe(worker.events.filter((e) => e.event === 'stored').length)
        const status = JSON.parse((await runCli(dir, 'batch', '--pause', '--queue', redis.url, '--json')).out) as { waiting: number }
        expect(status.waiting).toBe(ITEMS - doneWhilePaused)
        const startsWhilePaused = worker.events.filter((e) => e.event === 'start').length

        expect((await control('--resume')).paused).toBe(false)
        const collected = await batch('--queue', redis.url)
        expect(collected.code, collected.err).toBe(0)
        expect(JSON.parse(collected.out) as Summary).toMatchObject({ ok: true, total: ITEMS, done: ITEMS, failed: 0 })
        expect(hashes(join(dir, 'out')).size).toBe(ITEMS)
        const stored = worker.events.filter((e) => e.event === 'stored').map((e) => e.key)
        expect(stored).toHaveLength(ITEMS)
        expect(new Set(stored).size).toBe(ITEMS)
        expect(worker.events.some((e) => e.event === 'duplicate')).toBe(false)
        expect(await results()).toBe(ITEMS)
        // Nothing ran between the pause and the resume.
        expect(startsWhilePaused).toBe(doneWhilePaused)
      } finally {
        await worker.stop()
      }
    },
    GUARD_MS,
  )

  it('refuses --pause without a queue, or with --resume', async () => {
    const none = await runCli(dir, 'batch', '--pause', '--json')
    expect(none.code).toBe(2)
    expect(none.out + none.err).toContain('--queue')
    const both = await runCli(dir, 'batch', '--pause', '--resume', '--queue', redis.url)
    expect(both.code).toBe(2)
  })
})

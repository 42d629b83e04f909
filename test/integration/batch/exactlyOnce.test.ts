/**
 * A batch through BullMQ on a real Redis, with 1, 2 and 4 `kontext worker` processes: every item
 * done, each result stored once (never a second write under a key), and every output
 * byte-identical to the same items run in one process. Re-submitting a finished batch runs
 * nothing again. The full 200 items run once (with 4 workers); 1 and 2 workers run the first 40,
 * so the file stays within a few minutes on two cores.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESULT_PREFIX } from '../../../engine/batch/redisStore'
import { runCli } from '../../fixtures/engine/runCli'
import { writeInputs } from './inputs'
import { hashes, keysUnder, PROMPT, type Summary } from './outputs'
import { startRedis, type TestRedis } from './redisServer'
import { spawnWorker, type WorkerEvent } from './workers'

const FULL = 200
const SMALL = 40
/** Last-resort guard only (a loaded machine is slow, never wrong): the tests wait for counts, not times. */
const GUARD_MS = 15 * 60_000
const dir = mkdtempSync(join(tmpdir(), 'kontext-batch-'))
const inDir = (n: number) => join(dir, `in${n}`)
let redis: TestRedis
let reference: Map<string, string>

const batchArgs = (items: number, out: string, ...extra: string[]) => [
  'batch',
  '--in',
  inDir(items),
  '--prompt',
  PROMPT,
  '--out',
  join(dir, out),
  '--steps',
  '2',
  '--provider',
  'cpu',
  '--json',
  ...extra,
]

beforeAll(async () => {
  redis = await startRedis()
  await writeInputs(inDir(FULL), FULL)
  await writeInputs(inDir(SMALL), SMALL)
  const local = await runCli(dir, ...batchArgs(SMALL, 'local'))
  expect(local.code, local.err).toBe(0)
  reference = hashes(join(dir, 'local'))
}, GUARD_MS)

afterAll(async () => {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('kontext batch without a queue', () => {
  it('writes one PNG per input under the same name', () => {
    expect(reference.size).toBe(SMALL)
    expect([...reference.keys()].slice(0, 2)).toEqual(['shot-0000.png', 'shot-0001.png'])
    // Different inputs, different results (nothing was copied or faked).
    expect(new Set(reference.values()).size).toBe(SMALL)
  })
})

describe.each([
  [1, SMALL],
  [2, SMALL],
  [4, FULL],
])('kontext batch --queue with %i worker(s)', (count, items) => {
  it(
    `completes all ${items} items exactly once`,
    async () => {
      await redis.client.flushall()
      const workers = Array.from({ length: count }, () => spawnWorker(redis.url))
      try {
        await Promise.all(workers.map((w) => w.until((e) => e.event === 'ready')))
        const r = await runCli(dir, ...batchArgs(items, `queue${count}`, '--queue', redis.url))
        expect(r.code, r.err).toBe(0)
        const summary = JSON.parse(r.out) as Summary
        expect(summary).toMatchObject({ ok: true, total: items, done: items, failed: 0 })
        const out = hashes(join(dir, `queue${count}`))
        expect(out.size).toBe(items)
        // The same inputs give the same bytes as in one process; the rest are all distinct.
        for (const [name, hash] of reference) expect(out.get(name), name).toBe(hash)
        expect(new Set(out.values()).size).toBe(items)

        const events: WorkerEvent[] = workers.flatMap((w) => w.events)
        const stored = events.filter((e) => e.event === 'stored').map((e) => e.key)
        expect(stored).toHaveLength(items)
        expect(new Set(stored).size).toBe(items)
        expect((await keysUnder(redis.client, RESULT_PREFIX)).length).toBe(items)

        if (count === 1) {
          // The same batch again: every result is already there, so no job runs.
          const before = events.length
          const again = await runCli(dir, ...batchArgs(items, 'again', '--queue', redis.url))
          expect(again.code, again.err).toBe(0)
          expect(JSON.parse(again.out)).toMatchObject({ ok: true, done: items })
          expect(hashes(join(dir, 'again'))).toEqual(reference)
          expect(workers.flatMap((w) => w.events).length).toBe(before)
        }
      } finally {
        await Promise.all(workers.map((w) => w.stop()))
      }
    },
    GUARD_MS,
  )
})

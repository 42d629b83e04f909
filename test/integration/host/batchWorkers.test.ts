/**
 * A studio batch on Redis workers: the real host, a real redis-server with a password, and one
 * `kontext worker` process. The studio enqueues the items as `kontext batch --queue` does (same
 * result keys, same blobs), its own queue runs none of them, and each result comes back as the
 * edit node under its photo's root. The password never appears in a message or a log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchItems } from '../../../core/domain/batch'
import { batchMode } from '../../../core/domain/batchControl'
import { controlQueue } from '../../../engine/batch/queueControl'
import { BatchSettings, resultKey, sha256Hex } from '../../../engine/batch/plan'
import { RESULT_PREFIX } from '../../../engine/batch/redisStore'
import { decodeRgba } from '../../../engine/image/imageIo'
import { startRedis, type TestRedis } from '../batch/redisServer'
import { spawnWorker, type WorkerProcess } from '../batch/workers'
import { systemClock } from '../../../main/services/clock'
import { openStudio } from '../../../main/services/openStudio'
import type { StudioHost } from '../../../main/services/studioHost'
import { rejection, settled, solidPng, startTestHost, type TestHost } from './testHost'

const PASSWORD = 'batch-secret-8d1f'
const GUARD_MS = 10 * 60_000
let host: TestHost
let redis: TestRedis
let worker: WorkerProcess
let url: string
let reopened: StudioHost | null = null

beforeAll(async () => {
  redis = await startRedis({ password: PASSWORD })
  url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}`
  worker = spawnWorker(url, { shortLocks: false }) // nothing here is killed: normal locks, no stalls on a loaded machine
  host = await startTestHost()
  await worker.until((e) => e.event === 'ready')
}, GUARD_MS)
afterAll(async () => {
  await reopened?.close()
  await worker?.stop()
  await host?.stop()
  await redis?.stop()
})

const PROMPT = 'make the background white'
async function store(name: string, rgb: [number, number, number]) {
  return (await host.client.request('storeImage', { fileName: name, bytes: await solidPng(32, 32, rgb) })).hash
}

describe('a studio batch on kontext workers', () => {
  it('refuses a wrong password before making anything, without echoing it', async () => {
    const blob = await store('x.png', [1, 2, 3])
    const wrong = `redis://:not-the-${PASSWORD}@127.0.0.1:${redis.port}`
    const e = await rejection(
      host.client.request('startBatch', { items: [{ fileName: 'x.png', blob }], prompt: PROMPT, queue: { url: wrong } }),
    )
    expect(e.code).toBe('queue.unreachable')
    expect(JSON.stringify(e)).not.toContain(PASSWORD)
    expect(JSON.stringify(e)).toContain(`redis://127.0.0.1:${redis.port}`)
    expect(Object.keys((await host.client.request('getProject', {})).nodes)).toHaveLength(0)
  })

  it(
    'enqueues each photo (with the reference after it), collects each result into its own root',
    async () => {
      const photos = [
        { fileName: 'red.png', blob: await store('red.png', [220, 40, 40]) },
        { fileName: 'green.png', blob: await store('green.png', [40, 200, 60]) },
        { fileName: 'blue.png', blob: await store('blue.png', [40, 60, 220]) },
      ]
      const ref = await store('sheet.png', [250, 250, 250])
      const started = await host.client.request('startBatch', { items: photos, prompt: PROMPT, steps: 2, refs: [ref], queue: { url } })
      const nodes = await Promise.all(started.items.map((i) => settled(host.client, i.editNodeId)))
      const state = await host.client.request('getProject', {})
      expect(batchItems(state, started.batchId).map((i) => [i.fileName, i.status])).toEqual([
        ['red.png', 'done'],
        ['green.png', 'done'],
        ['blue.png', 'done'],
      ])
      expect(batchMode(state, started.batchId)).toEqual({ paused: false, workers: true })

      const stored = worker.events.filter((e) => e.event === 'stored').map((e) => e.key)
      expect(stored).toHaveLength(3)
      for (const [i, node] of nodes.entries()) {
        const photo = photos[i]!
        expect(node).toMatchObject({ kind: 'edit', parentId: started.items[i]!.nodeId, status: 'done', contextBlobs: [photo.blob, ref] })
        // Never run by the studio's own queue (it stamps startedAt when it starts a job).
        expect(node.timings.startedAt).toBeUndefined()
        // The key `kontext batch --queue` gives the same photo and settings, and the very bytes stored under it.
        const settings = BatchSettings.parse({
          prompt: PROMPT,
          model: node.params?.model,
          steps: 2,
          guidance: node.params?.guidance,
          refs: [ref],
          seed: null,
        })
        const key = resultKey(photo.blob, settings)
        expect(stored).toContain(key)
        const png = await redis.client.getBuffer(RESULT_PREFIX + key)
        expect(png && sha256Hex(png)).toBe(node.resultBlob)
      }
      expect(new Set(nodes.map((n) => n.resultBlob)).size).toBe(3)
      // The worker was given the server's address, never shown the password in its log.
      expect(worker.stderr()).not.toContain(PASSWORD)

      // A re-run of one item (a new seed) goes to the same worker, not to the studio's queue.
      const rerun = await host.client.request('rerunWithSeed', { nodeId: nodes[0]!.id, seed: 1234 })
      const again = await settled(host.client, rerun.nodeId)
      expect(again).toMatchObject({ status: 'done', parentId: started.items[0]!.nodeId })
      expect((await host.client.request('getProject', {})).nodes[rerun.nodeId]?.timings.startedAt).toBeUndefined()
      expect(worker.events.filter((e) => e.event === 'stored')).toHaveLength(4)

      // Pause and resume reach the Redis queue.
      await host.client.request('pauseBatch', { batchId: started.batchId, paused: true })
      const paused = await controlQueue(url, undefined, null)
      expect(paused.ok && paused.value.paused).toBe(true)
      await host.client.request('pauseBatch', { batchId: started.batchId, paused: false })
      const resumed = await controlQueue(url, undefined, null)
      expect(resumed.ok && resumed.value.paused).toBe(false)
    },
    GUARD_MS,
  )

  it('cancel takes the items no worker has started off the Redis queue', async () => {
    const paused = await controlQueue(url, undefined, true)
    expect(paused.ok).toBe(true)
    const photos = [
      { fileName: 'c1.png', blob: await store('c1.png', [10, 120, 30]) },
      { fileName: 'c2.png', blob: await store('c2.png', [30, 10, 120]) },
    ]
    const started = await host.client.request('startBatch', { items: photos, prompt: PROMPT, steps: 2, queue: { url } })
    // The studio enqueues in the background once the batch is made.
    while ((await redis.client.llen('bull:kontext-batch:wait')) < 2) await new Promise((r) => setTimeout(r, 50))
    const { cancelled } = await host.client.request('cancelBatch', { batchId: started.batchId })
    expect(cancelled).toBe(2)
    expect(await redis.client.llen('bull:kontext-batch:wait')).toBe(0)
    const state = await host.client.request('getProject', {})
    expect(batchItems(state, started.batchId).map((i) => i.status)).toEqual(['cancelled', 'cancelled'])
    await controlQueue(url, undefined, false)
  })

  it(
    'sends a region preset’s mask with each job: the worker edits the centre only, keyed with the mask',
    async () => {
      const photos = [
        { fileName: 'm1.png', blob: await store('m1.png', [90, 30, 160]) },
        { fileName: 'm2.png', blob: await store('m2.png', [160, 90, 30]) },
      ]
      const storedBefore = worker.events.filter((e) => e.event === 'stored').length
      const started = await host.client.request('startBatch', { items: photos, prompt: PROMPT, steps: 2, region: 'centre', queue: { url } })
      const nodes = await Promise.all(started.items.map((i) => settled(host.client, i.editNodeId)))
      expect(worker.events.filter((e) => e.event === 'stored').length).toBe(storedBefore + 2)
      for (const [i, node] of nodes.entries()) {
        expect(node).toMatchObject({ status: 'done', parentId: started.items[i]!.nodeId })
        const mask = node.region?.maskBlob
        expect(mask).toMatch(/^[0-9a-f]{64}$/)
        const settings = BatchSettings.parse({
          prompt: PROMPT,
          model: node.params?.model,
          steps: 2,
          guidance: node.params?.guidance,
          refs: [],
          seed: null,
        })
        const key = resultKey(photos[i]!.blob, settings, mask)
        expect(key).not.toBe(resultKey(photos[i]!.blob, settings))
        const png = await redis.client.getBuffer(RESULT_PREFIX + key)
        expect(png && sha256Hex(png)).toBe(node.resultBlob)
        // Outside the middle 60% (32 px → 19 from x, y = 6) the photo's own bytes.
        const before = await decodeRgba(await solidPng(32, 32, i === 0 ? [90, 30, 160] : [160, 90, 30]))
        const after = await decodeRgba(new Uint8Array(png!))
        for (let p = 0; p < 32 * 32; p++) {
          const x = p % 32
          const y = Math.floor(p / 32)
          if (x < 6 || x >= 25 || y < 6 || y >= 25)
            expect([...after.data.subarray(p * 4, p * 4 + 4)]).toEqual([...before.data.subarray(p * 4, p * 4 + 4)])
        }
      }
    },
    GUARD_MS,
  )

  it(
    'after a studio restart, collects the rest once the queue URL is given again',
    async () => {
      expect((await controlQueue(url, undefined, true)).ok).toBe(true)
      const photos = [
        { fileName: 'r1.png', blob: await store('r1.png', [200, 120, 30]) },
        { fileName: 'r2.png', blob: await store('r2.png', [30, 200, 120]) },
      ]
      const started = await host.client.request('startBatch', { items: photos, prompt: PROMPT, steps: 2, queue: { url } })
      while ((await redis.client.llen('bull:kontext-batch:wait')) < 2) await new Promise((r) => setTimeout(r, 50))
      await host.web.close()
      await host.studio.close()
      reopened = openStudio({ projectPath: host.projectPath, engine: host.engine, clock: systemClock })
      await reopened.jobs.idle()
      // The studio's own queue still leaves them alone, and without the URL it cannot resume them.
      expect(batchItems(reopened.session.snapshot(), started.batchId).map((i) => i.status)).toEqual(['queued', 'queued'])
      const unknown = await reopened.handle('pauseBatch', { batchId: started.batchId, paused: false }).catch((e: unknown) => e)
      expect(unknown).toMatchObject({ code: 'batch.noQueue' })
      const storedBefore = worker.events.filter((e) => e.event === 'stored').length
      await reopened.handle('pauseBatch', { batchId: started.batchId, paused: false, queue: { url } })
      const settledAll = () => batchItems(reopened!.session.snapshot(), started.batchId).every((i) => i.status === 'done')
      while (!settledAll()) await new Promise((r) => setTimeout(r, 50))
      expect(worker.events.filter((e) => e.event === 'stored').length).toBe(storedBefore + 2)
      for (const item of batchItems(reopened.session.snapshot(), started.batchId))
        expect(Object.values(reopened.session.snapshot().nodes).filter((n) => n.parentId === item.rootId)).toHaveLength(1)
    },
    GUARD_MS,
  )
})

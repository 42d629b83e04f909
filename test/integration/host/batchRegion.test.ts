/**
 * A studio batch with a region preset, through the real host, image worker and kontext-tiny:
 * each photo's mask is made from that photo and becomes its edit's region (as a painted region
 * edit's is), the product of a cut-out comes back byte for byte, and “background only” on a photo
 * without transparency refuses the batch before anything is made.
 */
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlobHash, NodeId } from '../../../core/ids'
import { decodeMask, decodeRgba } from '../../../engine/image/imageIo'
import type { GenerationJob } from '../../../core/contract/generationJob'
import { systemClock } from '../../../main/services/clock'
import type { EngineLike } from '../../../main/services/engineLike'
import { EngineProcess } from '../../../main/services/engineProcess'
import { ProjectSession } from '../../../main/services/projectSession'
import { StudioHost } from '../../../main/services/studioHost'
import { tinyModelDir } from '../../fixtures/engine/paths'
import { MemoryProjectStore } from '../../support/memoryStore'

const SIZE = 48
const engine = new EngineProcess({ modelDirs: [tinyModelDir], provider: 'cpu' })
beforeAll(() => engine.start())
afterAll(() => engine.stop())

async function cutOut(i: number): Promise<Uint8Array> {
  const data = new Uint8Array(SIZE * SIZE * 4)
  for (let y = 8 + i; y < 34; y++) for (let x = 12; x < 30 + i; x++) data.set([60 + i * 90, 140, 200 - i * 60, 255], (y * SIZE + x) * 4)
  return new Uint8Array(
    await sharp(data, { raw: { width: SIZE, height: SIZE, channels: 4 } })
      .png()
      .toBuffer(),
  )
}
const opaque = async () =>
  new Uint8Array(
    await sharp({ create: { width: SIZE, height: SIZE, channels: 3, background: '#c0a080' } })
      .png()
      .toBuffer(),
  )

/** The engine jobs a host sent, on the real engine. */
const sent: GenerationJob[] = []
const watched: EngineLike = {
  start: () => engine.start(),
  describe: () => engine.describe(),
  onStateChange: (cb) => engine.onStateChange(cb),
  stop: async () => undefined,
  run: (job, opts) => (sent.push(job), engine.run(job, opts)),
}

async function open() {
  const host = new StudioHost(new ProjectSession(new MemoryProjectStore()), watched, systemClock)
  const store = async (fileName: string, bytes: Uint8Array) => ({
    fileName,
    blob: ((await host.handle('storeImage', { fileName, bytes })) as { hash: BlobHash }).hash,
  })
  return { host, store }
}
type Started = { batchId: string; items: { nodeId: NodeId; editNodeId: NodeId }[] }

describe('a studio batch with a region preset', () => {
  it('“background only”: each edit carries its photo’s mask as its region, and the product is unchanged', async () => {
    const { host, store } = await open()
    const items = [await store('vase.png', await cutOut(0)), await store('lamp.png', await cutOut(1))]
    const started = (await host.handle('startBatch', {
      items,
      prompt: 'make the background white',
      steps: 2,
      region: 'background',
    })) as Started
    await host.jobs.idle()
    const state = host.session.snapshot()
    for (const [i, item] of started.items.entries()) {
      const edit = state.nodes[item.editNodeId]
      expect(edit).toMatchObject({ kind: 'edit', status: 'done', parentId: item.nodeId })
      const maskBlob = edit?.region?.maskBlob
      expect(maskBlob && state.blobs[maskBlob]).toMatchObject({ width: SIZE, height: SIZE })
      const photo = await decodeRgba(host.session.readBlob(items[i]!.blob)!)
      const mask = await decodeMask(host.session.readBlob(maskBlob!)!, SIZE, SIZE)
      const result = await decodeRgba(host.session.readBlob(edit!.resultBlob!)!)
      let edited = 0
      for (let p = 0; p < SIZE * SIZE; p++) {
        const transparent = photo.data[p * 4 + 3]! < 128
        expect(mask[p] !== 0, `mask at ${p}`).toBe(transparent)
        const same = [0, 1, 2, 3].every((c) => result.data[p * 4 + c] === photo.data[p * 4 + c])
        if (!transparent) expect(same, `product pixel ${p}`).toBe(true)
        else if (!same) edited++
      }
      expect(edited).toBeGreaterThan(0)
    }
    // Two photos, two masks of their own.
    const masks = started.items.map((i) => state.nodes[i.editNodeId]?.region?.maskBlob)
    expect(new Set(masks).size).toBe(2)
  })

  it('refuses “background only” for a photo with no transparency, naming it, and makes nothing', async () => {
    const { host, store } = await open()
    const items = [await store('vase.png', await cutOut(0)), await store('studio.png', await opaque())]
    const before = Object.keys(host.session.snapshot().nodes).length
    const refusal = await host.handle('startBatch', { items, prompt: 'make the background white', steps: 2, region: 'background' }).then(
      () => null,
      (e: { code?: string; message?: string; hint?: string }) => e,
    )
    expect(refusal?.code).toBe('region.noTransparency')
    expect(refusal?.message).toContain('studio.png')
    expect(refusal?.message).not.toContain('vase.png')
    expect(Object.keys(host.session.snapshot().nodes).length).toBe(before)
  })

  it('“centre” works on any photo: the edit’s region is the middle 60%, outside it the photo’s bytes', async () => {
    const { host, store } = await open()
    const items = [await store('studio.png', await opaque())]
    const started = (await host.handle('startBatch', { items, prompt: 'make the background white', steps: 2, region: 'centre' })) as Started
    await host.jobs.idle()
    const state = host.session.snapshot()
    const edit = state.nodes[started.items[0]!.editNodeId]!
    expect(edit.status).toBe('done')
    const mask = await decodeMask(host.session.readBlob(edit.region!.maskBlob)!, SIZE, SIZE)
    expect(mask.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(29 * 29)
    const photo = await decodeRgba(host.session.readBlob(items[0]!.blob)!)
    const result = await decodeRgba(host.session.readBlob(edit.resultBlob!)!)
    for (let p = 0; p < SIZE * SIZE; p++)
      if (!mask[p]) expect(result.data.subarray(p * 4, p * 4 + 4)).toEqual(photo.data.subarray(p * 4, p * 4 + 4))
  })

  it('times the plan’s estimate on a region edit of the first photo, with the mask the batch would use', async () => {
    const { host, store } = await open()
    const [vase, studio] = [await store('vase.png', await cutOut(0)), await store('studio.png', await opaque())]
    sent.length = 0
    const timed = (await host.handle('calibrateBatch', {
      blob: vase.blob,
      prompt: 'make the background white',
      steps: 2,
      region: 'background',
    })) as {
      editMs: number
    }
    expect(timed.editMs).toBeGreaterThan(0)
    expect(sent).toHaveLength(1)
    const photo = await decodeRgba(host.session.readBlob(vase.blob)!)
    const mask = await decodeMask(sent[0]!.mask!.png, SIZE, SIZE)
    for (let p = 0; p < SIZE * SIZE; p++) expect(mask[p] !== 0, `mask at ${p}`).toBe(photo.data[p * 4 + 3]! < 128)

    // The whole photo: no mask. A photo the preset finds nothing in: refused as the batch would be.
    await host.handle('calibrateBatch', { blob: vase.blob, prompt: 'make the background white', steps: 2 })
    expect(sent[1]?.mask).toBeUndefined()
    const refusal = await host
      .handle('calibrateBatch', { blob: studio.blob, prompt: 'make the background white', steps: 2, region: 'background' })
      .then(
        () => null,
        (e: { code?: string }) => e,
      )
    expect(refusal?.code).toBe('region.noTransparency')
    expect(sent).toHaveLength(2)
  })
})

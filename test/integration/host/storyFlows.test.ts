import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scene } from './scenes'
import { rejection, settled, solidPng, startTestHost, type TestHost } from './testHost'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => host?.stop())

describe('region edits on the real engine', () => {
  it('change pixels only inside the painted region, and keep the image size', async () => {
    const { client } = host
    const photo = await scene()
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: photo })
    // Paint the top-left quarter.
    const mask = new Uint8Array(
      await sharp({ create: { width: 128, height: 96, channels: 3, background: '#000' } })
        .composite([{ input: { create: { width: 48, height: 40, channels: 3, background: '#fff' } }, left: 8, top: 8 }])
        .png()
        .toBuffer(),
    )
    const job = await client.request('generate', {
      parentId,
      prompt: 'change the background to white',
      contextBlobs: [blob],
      regionMask: mask,
      steps: 6,
      seed: 1,
    })
    const node = await settled(client, job.nodeId)
    expect(node.error).toBeNull()
    expect(node.region).not.toBeNull()
    const parent = await sharp(photo).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    const resultBytes = new Uint8Array(await (await fetch(`http://127.0.0.1:${host.web.port}/blob/${node.resultBlob}`)).arrayBuffer())
    const result = await sharp(resultBytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
    expect([result.info.width, result.info.height]).toEqual([128, 96])
    let outsideDifferent = 0
    let insideDifferent = 0
    for (let y = 0; y < 96; y++)
      for (let x = 0; x < 128; x++) {
        const inside = x >= 8 && x < 56 && y >= 8 && y < 48
        const i = (y * 128 + x) * 4
        const same = [0, 1, 2].every((c) => result.data[i + c] === parent.data[i + c])
        if (!inside && !same) outsideDifferent++
        if (inside && !same) insideDifferent++
      }
    expect(outsideDifferent).toBe(0)
    expect(insideDifferent).toBeGreaterThan(0)
    const drift = await client.request('measureDrift', { nodeId: job.nodeId })
    // Outside the painted region nothing moved; between the two whole images the edit shows.
    expect(drift.fromParent).toBeCloseTo(0, 5)
    const whole = await client.request('measureDrift', { nodeId: job.nodeId, against: parentId })
    expect(whole.between).toBeGreaterThan(0.001)
    expect(whole.between).toBeLessThanOrEqual(1)
  })

  it('refuse an empty mask with what to do', async () => {
    const { client } = host
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: await scene() })
    const job = await client.request('generate', {
      parentId,
      prompt: 'remove the red circle',
      contextBlobs: [blob],
      regionMask: await solidPng(128, 96, [0, 0, 0]),
      steps: 2,
    })
    const node = await settled(client, job.nodeId)
    expect(node.status).toBe('failed')
    expect(node.error?.code).toBe('region.emptyMask')
  })
})

describe('the storyboard on the real engine', () => {
  it('next shot, apply to frames, accept and discard, and a PDF of it all', async () => {
    const { client } = host
    const { nodeId } = await client.request('importImage', { fileName: 'hero.png', bytes: await scene() })
    const { frameId: f1 } = await client.request('addFrame', { nodeId })
    const shot2 = await client.request('nextShot', {
      afterFrameId: f1,
      prompt: 'change the background to teal',
      pinnedFrameIds: [],
      steps: 4,
      seed: 5,
    })
    const shot3 = await client.request('nextShot', {
      afterFrameId: shot2.frameId,
      prompt: 'change the background to beige',
      pinnedFrameIds: [f1],
      steps: 4,
      seed: 6,
    })
    const third = await settled(client, shot3.nodeId)
    const second = await settled(client, shot2.nodeId)
    expect(third.parentId).toBe(shot2.nodeId)
    expect(third.contextBlobs[0]).toBe(second.resultBlob)
    expect(third.contextBlobs).toHaveLength(2)
    await client.request('moveFrame', { frameId: shot3.frameId, toIndex: 0 })
    const applied = await client.request('applyToFrames', {
      frameIds: [f1, shot2.frameId],
      prompt: 'change the background to white',
      steps: 3,
    })
    await Promise.all(applied.nodeIds.map((id) => settled(client, id)))
    await client.request('acceptCandidate', { frameId: f1 })
    await client.request('discardCandidate', { frameId: shot2.frameId })
    const project = await client.request('getProject', {})
    const frames = Object.values(project.frames).sort((a, b) => a.order - b.order)
    expect(frames.map((f) => f.id)).toEqual([shot3.frameId, f1, shot2.frameId])
    expect(project.frames[f1]?.nodeId).toBe(applied.nodeIds[0])
    expect(project.nodes[applied.nodeIds[1] as never]?.deletedAt).not.toBeNull()
    const pdf = await client.request('exportStoryboard', { format: 'pdf' })
    expect(new TextDecoder().decode(pdf.bytes.subarray(0, 5))).toBe('%PDF-')
  })

  it('refuses a frame for a node that does not exist', async () => {
    const error = await rejection(host.client.request('addFrame', { nodeId: 'missing' }))
    expect(error.code).toBe('node.notFound')
  })
})

describe('chaining onto a node that is still generating', () => {
  it('queues the edit behind it and conditions it on its picture once there', async () => {
    const { client } = host
    const { nodeId: rootId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: await scene() })
    const first = await client.request('generate', {
      parentId: rootId,
      prompt: 'change the background to teal',
      contextBlobs: [blob],
      steps: 20,
    })
    const second = await client.request('generate', {
      parentId: first.nodeId,
      prompt: 'make the red circle blue',
      contextBlobs: [],
      contextFromParent: true,
      steps: 4,
    })
    const [a, b] = [await settled(client, first.nodeId), await settled(client, second.nodeId)]
    expect(b.status).toBe('done')
    expect(b.parentId).toBe(first.nodeId)
    expect(b.contextBlobs).toEqual([a.resultBlob])
  })
})

describe('layer documents', () => {
  it('store a dropped product shot as a blob and save it as a layer of a node, across a reload', async () => {
    const { client } = host
    const { nodeId } = await client.request('importImage', { fileName: 'scene.png', bytes: await scene() })
    const bottle = await client.request('storeImage', { fileName: 'bottle.png', bytes: await solidPng(20, 40, [40, 210, 60]) })
    const layer = {
      id: 'l1',
      kind: 'image' as const,
      name: 'bottle.png',
      visible: true,
      locked: false,
      opacity: 0.8,
      blob: bottle.hash,
      width: 20,
      height: 40,
      transform: { x: 10, y: 12, scaleX: 1.5, scaleY: 1.5, rotation: 15 },
    }
    const document = { nodeId, width: 128, height: 96, layers: [layer] }
    await client.request('saveLayers', { document })
    const saved = (await client.request('getProject', {})).layers[nodeId]
    expect(saved?.layers[0]).toMatchObject({ blob: bottle.hash, opacity: 0.8, transform: { rotation: 15 } })
    const unknown = await rejection(
      client.request('saveLayers', { document: { ...document, layers: [{ ...layer, blob: 'f'.repeat(64) }] } }),
    )
    expect(unknown.code).toBe('blob.notFound')
  })
})

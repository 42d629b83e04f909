/** Batches through the real host and engine: refusals that queue nothing, one root per photo, cancel. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchItems } from '../../../core/domain/batch'
import { rejection, settled, solidPng, startTestHost, type TestHost } from './testHost'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => host?.stop())

const PROMPT = 'make the background white'
async function storePhotos(n: number) {
  const metas = []
  for (let i = 0; i < n; i++) {
    const meta = await host.client.request('storeImage', {
      fileName: `p${i}.png`,
      bytes: await solidPng(32, 32, [40 * i, 90, 200 - 30 * i]),
    })
    metas.push({ fileName: `p${i}.png`, blob: meta.hash })
  }
  return metas
}
const nodeCount = async () => Object.keys((await host.client.request('getProject', {})).nodes).length

describe('a batch on the studio queue', () => {
  it('refuses an instruction the model cannot read, and a photo that is not stored, before queuing anything', async () => {
    const items = await storePhotos(2)
    const words = await rejection(host.client.request('startBatch', { items, prompt: 'make the background fluffy', steps: 2 }))
    expect(words.message).toContain('fluffy')
    const missing = await rejection(
      host.client.request('startBatch', { items: [{ fileName: 'x.png', blob: 'e'.repeat(64) }], prompt: PROMPT }),
    )
    expect(missing.code).toBe('blob.notFound')
    expect(await nodeCount()).toBe(0)
  })

  it('makes each photo its own root with one edit, and cancel stops what has not run', async () => {
    const items = await storePhotos(4)
    const started = await host.client.request('startBatch', { items, prompt: PROMPT, steps: 20 })
    const { cancelled } = await host.client.request('cancelBatch', { batchId: started.batchId })
    const nodes = await Promise.all(started.items.map((i) => settled(host.client, i.editNodeId)))
    const state = await host.client.request('getProject', {})
    const listed = batchItems(state, started.batchId)
    expect(listed.map((i) => i.fileName)).toEqual(['p0.png', 'p1.png', 'p2.png', 'p3.png'])
    expect(new Set(started.items.map((i) => i.nodeId)).size).toBe(4)
    for (const [i, item] of started.items.entries()) {
      expect(state.nodes[item.nodeId]).toMatchObject({ kind: 'import', parentId: null, sourceName: `p${i}.png` })
      expect(nodes[i]).toMatchObject({ kind: 'edit', parentId: item.nodeId, prompt: PROMPT })
    }
    // The last photo was still queued when the cancel came: at least it never ran.
    expect(cancelled).toBeGreaterThanOrEqual(1)
    expect(nodes[3]?.status).toBe('cancelled')
    expect(nodes.every((n) => n.status === 'cancelled' || n.status === 'done')).toBe(true)
    const none = await rejection(host.client.request('exportBatch', { batchId: started.batchId }))
    expect(none.code).toBe('batch.nothingAccepted')
  })
})

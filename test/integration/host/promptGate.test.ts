/**
 * An instruction the model cannot read is refused before anything is queued (issue 15, trap 3):
 * no node, no job, no failed row to clean up — and punctuation is not an unknown word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scene } from './scenes'
import { rejection, settled, startTestHost, type TestHost } from './testHost'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => host?.stop())

describe('instructions the model cannot read', () => {
  it('are refused with the unknown words, and leave no node and no job', async () => {
    const { client } = host
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: await scene() })
    const before = await client.request('getProject', {})
    const e = await rejection(client.request('generate', { parentId, prompt: 'make the shoe sparkly', contextBlobs: [blob], steps: 2 }))
    expect(e).toMatchObject({ code: 'prompt.unknownWords' })
    expect(e.message).toContain('“shoe”, “sparkly”')
    expect(e.hint).toContain('circle')
    const blank = await rejection(client.request('generate', { parentId, prompt: '   ', contextBlobs: [blob], steps: 2 }))
    expect(blank).toMatchObject({ code: 'prompt.empty' })
    const after = await client.request('getProject', {})
    expect(Object.keys(after.nodes)).toEqual(Object.keys(before.nodes))
    expect(Object.keys(after.jobs)).toEqual(Object.keys(before.jobs))
  })

  it('read a trailing period or “!!!” as the model does, and run', async () => {
    const { client } = host
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'scene2.png', bytes: await scene() })
    const job = await client.request('generate', { parentId, prompt: 'Make the red circle blue!!!', contextBlobs: [blob], steps: 2 })
    const node = await settled(client, job.nodeId)
    expect(node.status).toBe('done')
  })
})

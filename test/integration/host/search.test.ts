/**
 * Search by instruction or name through the API (the project file's full-text index): every word
 * must match, word prefixes count, trashed nodes are left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { scene } from './scenes'
import { settled, startTestHost, type TestHost } from './testHost'

let host: TestHost
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => host?.stop())

describe('searching the history', () => {
  it('finds nodes by the words of their instruction or name, and not trashed ones', async () => {
    const { client } = host
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'shoe.png', bytes: await scene() })
    const blue = await client.request('generate', { parentId, prompt: 'make the red circle blue', contextBlobs: [blob], steps: 2 })
    const white = await client.request('generate', { parentId, prompt: 'change the background to white', contextBlobs: [blob], steps: 2 })
    await settled(client, blue.nodeId)
    await settled(client, white.nodeId)
    await client.request('setNodeLabel', { nodeId: white.nodeId, label: 'Hero shot' })
    expect((await client.request('searchNodes', { text: 'circle blue' })).nodeIds).toEqual([blue.nodeId])
    expect((await client.request('searchNodes', { text: 'backgr' })).nodeIds).toEqual([white.nodeId])
    expect((await client.request('searchNodes', { text: 'hero' })).nodeIds).toEqual([white.nodeId])
    expect((await client.request('searchNodes', { text: 'circle white' })).nodeIds).toEqual([])
    await client.request('trashBranch', { nodeId: blue.nodeId })
    expect((await client.request('searchNodes', { text: 'circle' })).nodeIds).toEqual([])
  })
})

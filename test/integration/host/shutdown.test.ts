import { afterAll, describe, expect, it } from 'vitest'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { scene } from './scenes'
import { startTestHost, type TestHost } from './testHost'

let host: TestHost | null = null
afterAll(async () => host?.stop())

describe('closing the studio while a job runs', () => {
  it('leaves the job to be offered again as interrupted, not failed, with the queue behind it intact', async () => {
    host = await startTestHost()
    const { client } = host
    const { nodeId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: await scene() })
    // Guidance above 1 doubles the passes: a job long enough to be caught running.
    const running = await client.request('generate', {
      parentId: nodeId,
      prompt: 'remove the red circle',
      contextBlobs: [blob],
      steps: 200,
      guidance: 4,
    })
    const queued = await client.request('generate', {
      parentId: nodeId,
      prompt: 'change the background to teal',
      contextBlobs: [blob],
      steps: 4,
    })
    await client.waitFor((e) => e.kind === 'jobProgress' && e.jobId === running.jobId)
    await host.engine.stop()
    await host.studio.close()
    const reopened = openProjectStore(host.projectPath)
    if (!reopened.ok) throw new Error(reopened.error.message)
    const state = reopened.value.load()
    reopened.value.close()
    expect(state.nodes[running.nodeId]?.status).toBe('failed')
    expect(state.nodes[running.nodeId]?.error?.code).toBe('job.interrupted')
    expect(state.nodes[queued.nodeId]?.status).toBe('queued')
  })
})

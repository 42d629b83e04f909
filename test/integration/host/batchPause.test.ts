/** Pausing a batch on the studio queue through the real host and engine, across a studio restart. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestName, RequestResults } from '../../../core/contract/api'
import { batchItems } from '../../../core/domain/batch'
import { batchMode } from '../../../core/domain/batchControl'
import { systemClock } from '../../../main/services/clock'
import { openStudio } from '../../../main/services/openStudio'
import type { StudioHost } from '../../../main/services/studioHost'
import { solidPng, startTestHost, type TestHost } from './testHost'

let host: TestHost
let reopened: StudioHost | null = null
beforeAll(async () => {
  host = await startTestHost()
})
afterAll(async () => {
  await reopened?.close()
  await host?.stop()
})

const call = <K extends RequestName>(studio: StudioHost, name: K, params: unknown) =>
  studio.handle(name, params) as Promise<RequestResults[K]>
const states = (studio: StudioHost, batchId: string) => batchItems(studio.session.snapshot(), batchId).map((i) => i.status)

describe('pause and resume a batch', () => {
  it('lets the running item finish, keeps the rest waiting (also after a restart), and resume runs each once', async () => {
    const items = []
    for (let i = 0; i < 4; i++) {
      const meta = await call(host.studio, 'storeImage', { fileName: `p${i}.png`, bytes: await solidPng(32, 32, [50 * i, 80, 160]) })
      items.push({ fileName: `p${i}.png`, blob: meta.hash })
    }
    const started = await call(host.studio, 'startBatch', { items, prompt: 'make the background white', steps: 2 })
    await call(host.studio, 'pauseBatch', { batchId: started.batchId, paused: true })
    // idle(): the queue has run all it may. Without the pause it would have run all four.
    await host.studio.jobs.idle()
    const paused = states(host.studio, started.batchId)
    expect(paused.filter((s) => s === 'queued').length).toBeGreaterThanOrEqual(3)
    expect(paused.every((s) => s === 'queued' || s === 'done')).toBe(true)

    // The studio closes and opens the project again: the batch is still paused, nothing ran.
    await host.web.close()
    await host.studio.close()
    reopened = openStudio({ projectPath: host.projectPath, engine: host.engine, clock: systemClock })
    await reopened.jobs.idle()
    expect(batchMode(reopened.session.snapshot(), started.batchId)).toEqual({ paused: true, workers: false })
    expect(states(reopened, started.batchId)).toEqual(paused)

    await call(reopened, 'pauseBatch', { batchId: started.batchId, paused: false })
    await reopened.jobs.idle()
    const state = reopened.session.snapshot()
    const done = batchItems(state, started.batchId)
    expect(done.map((i) => i.status)).toEqual(['done', 'done', 'done', 'done'])
    // Exactly one edit per photo: a held job was never run twice or lost.
    for (const item of done) expect(Object.values(state.nodes).filter((n) => n.parentId === item.rootId)).toHaveLength(1)
    expect(Object.values(state.jobs).filter((j) => state.nodes[j.nodeId]?.status === 'done')).toHaveLength(4)
  })
})

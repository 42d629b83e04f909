/** Cancelling from the queue or the prompt bar: asks first only when queued edits wait on the node. */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { NodeId } from '../../../core/ids'
import { useCancelJob } from '../../../renderer/src/composables/useCancelJob'
import { useProjectStore } from '../../../renderer/src/stores/project'
import { createFakeStudio, doneNode, projectWith } from './fakeStudio'

const id = (s: string) => s as NodeId
const running = doneNode('p', 'a', 2, { status: 'running', resultBlob: null, prompt: 'a red sky' })
const waiting = doneNode('c', 'p', 3, { status: 'queued', resultBlob: null, contextFromParent: true })
const sibling = doneNode('s', 'a', 4, { status: 'queued', resultBlob: null })

async function connected(confirmAnswer: boolean) {
  const studio = createFakeStudio(projectWith([doneNode('a', null, 1), running, waiting, sibling]))
  studio.calls.describeEngine.mockRejectedValue({ code: 'engine.crashed', message: 'not in this test' })
  studio.calls.cancelJob.mockResolvedValue({ cancelled: true, children: 0 })
  const confirm = vi.fn(() => confirmAnswer)
  vi.stubGlobal('window', { confirm })
  await useProjectStore().connect(studio)
  return { studio, confirm, cancel: useCancelJob() }
}

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.unstubAllGlobals())

describe('cancelling a job', () => {
  it('asks whether to cancel the edit that waits on it, and passes the answer on', async () => {
    const yes = await connected(true)
    await yes.cancel(id('p'))
    expect(yes.confirm).toHaveBeenCalledWith(expect.stringMatching(/^1 queued edit waits on this result\. Cancel it too\?/))
    expect(yes.studio.calls.cancelJob).toHaveBeenCalledWith({ nodeId: 'p', withChildren: true })

    setActivePinia(createPinia())
    const no = await connected(false)
    await no.cancel(id('p'))
    expect(no.studio.calls.cancelJob).toHaveBeenCalledWith({ nodeId: 'p', withChildren: false })
  })

  it('cancels at once when nothing waits on it (a sibling take does not)', async () => {
    const { studio, confirm, cancel } = await connected(true)
    await cancel(id('s'))
    expect(confirm).not.toHaveBeenCalled()
    expect(studio.calls.cancelJob).toHaveBeenCalledWith({ nodeId: 's', withChildren: false })
  })
})

/**
 * The renderer's mirror of the project, told as stories: it opens on the newest node, follows the
 * host's diffs, jumps to what the designer just made (and only that), and keeps one preview URL
 * per running job.
 */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { EngineDescription } from '../../../core/domain/engineTypes'
import type { JobId, NodeId } from '../../../core/ids'
import { createEmptyProject } from '../../../core/domain/model'
import { useProjectStore } from '../../../renderer/src/stores/project'
import { useToastStore } from '../../../renderer/src/stores/toasts'
import { createFakeStudio, doneNode, projectWith } from './fakeStudio'

const engine: EngineDescription = {
  state: 'ready',
  ortVersion: '1.30.0',
  providers: [{ name: 'cpu', bundled: true }],
  activeProvider: 'cpu',
  models: [],
  pid: 42,
  restarts: 0,
}
const id = (s: string) => s as NodeId

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => vi.restoreAllMocks())

describe('opening a project', () => {
  it('makes the newest live node current and asks the engine to describe itself', async () => {
    const studio = createFakeStudio(projectWith([doneNode('a', null, 1), doneNode('b', 'a', 2), doneNode('c', 'a', 3, { deletedAt: 9 })]))
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    expect(project.currentId).toBe('b')
    expect(project.current?.id).toBe('b')
    await vi.waitFor(() => expect(project.engine?.activeProvider).toBe('cpu'))
    expect(project.engineState).toBe('ready')
  })

  it('says a read-only project is read-only, and what the host found wrong with it', async () => {
    const studio = createFakeStudio()
    studio.calls.getProject.mockImplementation(async () => ({
      ...createEmptyProject('p1', 'Loop', 0),
      access: { readOnly: true, problems: ["nodes a, b are each other's ancestors (repair: the oldest, a, becomes a root)"] },
    }))
    studio.calls.describeEngine.mockImplementation(async () => new Promise(() => undefined))
    const project = useProjectStore()
    await project.connect(studio)
    expect(project.access).toMatchObject({ readOnly: true })
    expect(project.state).not.toHaveProperty('access')
    expect(useToastStore().toasts).toMatchObject([{ kind: 'error', message: expect.stringMatching(/read-only.*each other's ancestors/) }])
  })

  it('shows an empty project with no current node', async () => {
    const studio = createFakeStudio()
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    expect(project.currentId).toBeNull()
    expect(project.current).toBeNull()
  })

  it('reports the engine as crashed when it cannot describe itself', async () => {
    const studio = createFakeStudio()
    studio.calls.describeEngine.mockRejectedValue({ code: 'engine.crashed', message: 'The engine stopped.' })
    const project = useProjectStore()
    await project.connect(studio)
    await vi.waitFor(() => expect(project.engineState).toBe('crashed'))
  })
})

describe('following the host', () => {
  async function opened(nodes = [doneNode('a', null, 1)]) {
    const studio = createFakeStudio(projectWith(nodes))
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    return { studio, project }
  }

  it('a dropped photo becomes the current node', async () => {
    const { studio, project } = await opened()
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('b', null, 5)] } })
    expect(Object.keys(project.state?.nodes ?? {})).toEqual(['a', 'b'])
    expect(project.currentId).toBe('b')
  })

  it('a queued edit becomes current, but its progress and finish do not move the designer elsewhere', async () => {
    const { studio, project } = await opened([doneNode('a', null, 1), doneNode('b', null, 2)])
    const queued = doneNode('e', 'a', 3, { status: 'queued', resultBlob: null })
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [queued] } })
    expect(project.currentId).toBe('e')
    project.select(id('b'))
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...queued, status: 'running' }] } })
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('e', 'a', 3)] } })
    expect(project.currentId).toBe('b')
    expect(project.state?.nodes[id('e')]?.status).toBe('done')
  })

  it('starring or renaming another photo does not take the designer to it', async () => {
    const { studio, project } = await opened([doneNode('a', null, 1), doneNode('b', 'a', 2)])
    expect(project.currentId).toBe('b')
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('a', null, 1, { starred: true })] } })
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('a', null, 1, { starred: true, label: 'hero' })] } })
    expect(project.currentId).toBe('b')
    expect(project.state?.nodes[id('a')]?.label).toBe('hero')
  })

  it('moving a queued job in the queue does not change the current node', async () => {
    const queued = doneNode('q', 'a', 2, { status: 'queued', resultBlob: null })
    const { studio, project } = await opened([doneNode('a', null, 1), queued, doneNode('c', null, 3)])
    expect(project.currentId).toBe('c')
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...queued, timings: { queuedAt: 4 } }] } })
    expect(project.currentId).toBe('c')
  })

  it('trashing the current branch moves the current node to the newest that is left', async () => {
    const { studio, project } = await opened([doneNode('a', null, 1), doneNode('b', 'a', 2), doneNode('c', null, 3)])
    project.select(id('b'))
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('b', 'a', 2, { deletedAt: 10 })] } })
    expect(project.currentId).toBe('c')
  })

  it('a restored branch does not take the current node away', async () => {
    const { studio, project } = await opened([doneNode('a', null, 1), doneNode('b', 'a', 2, { deletedAt: 5 })])
    expect(project.currentId).toBe('a')
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [doneNode('b', 'a', 2)] } })
    expect(project.currentId).toBe('a')
  })

  it('keeps one preview URL per job, revoking the one it replaces', async () => {
    const { studio, project } = await opened([doneNode('a', null, 1), doneNode('e', 'a', 2, { status: 'running', resultBlob: null })])
    const created: string[] = []
    const revoked: string[] = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => {
      created.push(`blob:preview-${created.length + 1}`)
      return created[created.length - 1] as string
    })
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u) => void revoked.push(u))
    const job = 'j1' as JobId
    const png = new Uint8Array([137, 80, 78, 71])
    studio.emit({ kind: 'jobProgress', jobId: job, nodeId: id('e'), step: 1, totalSteps: 4, preview: png })
    studio.emit({ kind: 'jobProgress', jobId: job, nodeId: id('e'), step: 2, totalSteps: 4, preview: png })
    expect(project.progress[id('e')]).toEqual({ step: 2, totalSteps: 4, previewUrl: 'blob:preview-2' })
    expect(revoked).toEqual(['blob:preview-1'])
    // A step without a preview keeps the last one on screen.
    studio.emit({ kind: 'jobProgress', jobId: job, nodeId: id('e'), step: 3, totalSteps: 4, preview: null })
    expect(project.progress[id('e')]).toEqual({ step: 3, totalSteps: 4, previewUrl: 'blob:preview-2' })
    expect(revoked).toEqual(['blob:preview-1'])
  })

  it('shows the engine restarting with its reason, then describes it again when ready', async () => {
    const { studio, project } = await opened()
    await vi.waitFor(() => expect(studio.calls.describeEngine).toHaveBeenCalledTimes(1))
    studio.calls.describeEngine.mockResolvedValueOnce({ ...engine, state: 'restarting' })
    studio.emit({ kind: 'engineState', state: 'restarting', reason: 'the engine ran out of memory' })
    expect(project.engineState).toBe('restarting')
    expect(project.engineReason).toBe('the engine ran out of memory')
    // The restart makes the mirror reload the project, which asks the engine once more.
    await vi.waitFor(() => expect(studio.calls.describeEngine).toHaveBeenCalledTimes(2))
    expect(project.engineState).toBe('restarting')
    studio.emit({ kind: 'engineState', state: 'ready', reason: null })
    await vi.waitFor(() => expect(studio.calls.describeEngine).toHaveBeenCalledTimes(3))
    expect(project.engineState).toBe('ready')
  })
})

describe('losing the host and finding it again', () => {
  it('reloads the project once the host answers, keeping the node the designer looks at', async () => {
    vi.useFakeTimers()
    try {
      const studio = createFakeStudio(projectWith([doneNode('a', null, 1), doneNode('b', null, 2)]))
      studio.calls.describeEngine.mockResolvedValue(engine)
      const project = useProjectStore()
      await project.connect(studio)
      project.select(id('a'))
      // While away, another window imported a photo: the mirror never heard of it.
      const missed = projectWith([doneNode('a', null, 1), doneNode('b', null, 2), doneNode('c', null, 3)])
      const hostDown = { code: 'host.unreachable', message: 'The studio host cannot be reached.' }
      studio.calls.getProject.mockRejectedValueOnce(hostDown).mockRejectedValueOnce(hostDown).mockResolvedValue(missed)
      studio.emit({ kind: 'engineState', state: 'restarting', reason: 'host connection lost' })
      await vi.waitFor(() => expect(project.hostLost).toBe(true))
      expect(Object.keys(project.state?.nodes ?? {})).toEqual(['a', 'b'])
      await vi.runAllTimersAsync()
      await vi.waitFor(() => expect(project.hostLost).toBe(false))
      expect(Object.keys(project.state?.nodes ?? {})).toEqual(['a', 'b', 'c'])
      expect(project.currentId).toBe('a')
      expect(studio.calls.getProject).toHaveBeenCalledTimes(4)
    } finally {
      vi.useRealTimers()
    }
  })

  it('moves to the newest node when the one shown is gone after the reload', async () => {
    const studio = createFakeStudio(projectWith([doneNode('a', null, 1), doneNode('b', null, 2)]))
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    studio.calls.getProject.mockResolvedValue(projectWith([doneNode('a', null, 1), doneNode('b', null, 2, { deletedAt: 7 })]))
    studio.emit({ kind: 'engineState', state: 'restarting', reason: 'the engine ran out of memory' })
    await vi.waitFor(() => expect(project.state?.nodes[id('b')]?.deletedAt).toBe(7))
    expect(project.currentId).toBe('a')
    expect(project.hostLost).toBe(false)
  })
})

describe('before connecting', () => {
  it('requireApi says the studio is not connected', () => {
    expect(() => useProjectStore().requireApi()).toThrow(/not connected/)
  })
})

describe('the execution provider', () => {
  it('is asked again when the first job finishes, since that is when the engine picks one', async () => {
    const studio = createFakeStudio(projectWith([doneNode('a', null, 1)]))
    studio.calls.describeEngine.mockResolvedValueOnce({ ...engine, activeProvider: null }).mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    await vi.waitFor(() => expect(project.engine).not.toBeNull())
    expect(project.engine?.activeProvider).toBeNull()
    const edit = doneNode('e', 'a', 2, { status: 'running', resultBlob: null })
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [edit] } })
    expect(studio.calls.describeEngine).toHaveBeenCalledTimes(1)
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...edit, status: 'done', resultBlob: edit.contextBlobs[0] ?? null }] } })
    await vi.waitFor(() => expect(project.engine?.activeProvider).toBe('cpu'))
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...edit, id: id('e2'), status: 'done' }] } })
    expect(studio.calls.describeEngine).toHaveBeenCalledTimes(2)
  })
})

describe('when a job stops', () => {
  const job = { id: 'j1' as JobId, nodeId: id('e'), order: 0, createdAt: 2 }
  const edit = doneNode('e', 'a', 2, { status: 'running', resultBlob: null, prompt: 'make the red circle blue' })
  async function running() {
    const studio = createFakeStudio({ ...projectWith([doneNode('a', null, 1), edit]), jobs: { [job.id]: job } })
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    const revoked: string[] = []
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:preview')
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation((u) => void revoked.push(u))
    studio.emit({ kind: 'jobProgress', jobId: job.id, nodeId: id('e'), step: 2, totalSteps: 4, preview: new Uint8Array([1]) })
    return { studio, project, revoked, toasts: useToastStore() }
  }

  it('lets its step preview go once it is done, and ignores a step that arrives late', async () => {
    const { studio, project, revoked } = await running()
    expect(project.progress[edit.id]?.previewUrl).toBe('blob:preview')
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...edit, status: 'done' }] } })
    expect(project.progress[edit.id]).toBeUndefined()
    expect(revoked).toEqual(['blob:preview'])
    studio.emit({ kind: 'jobProgress', jobId: job.id, nodeId: id('e'), step: 4, totalSteps: 4, preview: new Uint8Array([1]) })
    expect(project.progress[edit.id]).toBeUndefined()
  })

  it('tells the designer when it failed, with the instruction, the reason and the hint — once', async () => {
    const { studio, toasts } = await running()
    const error = { code: 'engine.outOfMemory', message: 'The engine ran out of memory.', hint: 'Choose a smaller output size and retry.' }
    const failed = { ...edit, status: 'failed' as const, error }
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [failed] } })
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...failed, starred: true }] } })
    expect(toasts.toasts).toMatchObject([
      {
        kind: 'error',
        message: '“make the red circle blue” failed: The engine ran out of memory.',
        hint: 'Choose a smaller output size and retry.',
      },
    ])
  })

  it('says nothing when the designer cancelled it', async () => {
    const { studio, toasts } = await running()
    studio.emit({ kind: 'projectChanged', diff: { putNodes: [{ ...edit, status: 'cancelled' }] } })
    expect(toasts.toasts).toEqual([])
  })
})

describe('a job interrupted while the host was away', () => {
  it('loses its step preview when the reloaded project says it is no longer running', async () => {
    const job = { id: 'j1' as JobId, nodeId: id('e'), order: 0, createdAt: 2 }
    const edit = doneNode('e', 'a', 2, { status: 'running', resultBlob: null })
    const studio = createFakeStudio({ ...projectWith([doneNode('a', null, 1), edit]), jobs: { [job.id]: job } })
    studio.calls.describeEngine.mockResolvedValue(engine)
    const project = useProjectStore()
    await project.connect(studio)
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:preview')
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    studio.emit({ kind: 'jobProgress', jobId: job.id, nodeId: id('e'), step: 2, totalSteps: 4, preview: new Uint8Array([1]) })
    studio.calls.getProject.mockResolvedValue({
      ...projectWith([doneNode('a', null, 1), { ...edit, status: 'failed' }]),
      jobs: { [job.id]: job },
    })
    studio.emit({ kind: 'engineState', state: 'restarting', reason: 'host connection lost' })
    await vi.waitFor(() => expect(project.state?.nodes[edit.id]?.status).toBe('failed'))
    expect(project.progress[edit.id]).toBeUndefined()
    expect(revoke).toHaveBeenCalledWith('blob:preview')
  })
})

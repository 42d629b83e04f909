import { describe, expect, it } from 'vitest'
import {
  importImage,
  queueGeneration,
  restoreBranch,
  settleJob,
  startJob,
  trashBranch,
  interruptRunningJobs,
} from '../../../core/domain/actions'
import { childrenOf, pathToRoot, roots } from '../../../core/domain/historyTree'
import { asBlobHash, asJobId, asNodeId } from '../../../core/ids'
import { createEmptyProject, type BlobMeta, type ProjectState } from '../../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'

const blob = (c: string): BlobMeta => ({
  hash: asBlobHash(c.repeat(64)),
  width: 64,
  height: 64,
  format: 'png',
  byteSize: 10,
  hasAlpha: false,
})
const params = { model: 'kontext-tiny', seed: 1, steps: 8, guidance: 1, width: 64, height: 64 }

function apply(state: ProjectState, r: Result<ProjectDiff>): ProjectState {
  if (!r.ok) throw new Error(r.error.message)
  return applyDiff(state, r.value)
}

function edit(state: ProjectState, id: string, parent: string, at: number): ProjectState {
  const ctx = state.nodes[asNodeId(parent)]?.resultBlob
  return apply(
    state,
    queueGeneration(state, {
      nodeId: asNodeId(id),
      jobId: asJobId(`j${id}`),
      parentId: asNodeId(parent),
      prompt: `edit ${id}`,
      params,
      contextBlobs: ctx ? [ctx] : [],
      at,
    }),
  )
}

describe('a designer’s history', () => {
  it('an import is a root whose result is the stored image, and the blob is stored once', () => {
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    const again = importImage(s, { id: asNodeId('b'), blob: blob('a'), sourceName: 'shoe copy.png', at: 2 })
    expect(again.ok && again.value.putBlobs).toEqual([])
    s = apply(s, again)
    expect(roots(s.nodes).map((n) => n.id)).toEqual(['a', 'b'])
    expect(s.nodes[asNodeId('a')]?.kind).toBe('import')
    expect(Object.keys(s.blobs)).toHaveLength(1)
  })

  it('editing a node that already has a child makes a sibling branch, never overwriting', () => {
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    s = edit(s, 'b', 'a', 2)
    s = edit(s, 'c', 'a', 3)
    expect(childrenOf(s.nodes, asNodeId('a')).map((n) => n.id)).toEqual(['b', 'c'])
    expect(s.nodes[asNodeId('b')]?.contextBlobs).toEqual([blob('a').hash])
    expect(s.nodes[asNodeId('c')]?.status).toBe('queued')
    expect(pathToRoot(s.nodes, asNodeId('c')).map((n) => n.id)).toEqual(['a', 'c'])
  })

  it('a job runs, finishes, and its node shows the result; a failure keeps its reason', () => {
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    s = edit(s, 'b', 'a', 2)
    s = edit(s, 'c', 'a', 3)
    s = apply(s, startJob(s, { jobId: asJobId('jb'), at: 4 }))
    expect(s.nodes[asNodeId('b')]?.status).toBe('running')
    expect(startJob(s, { jobId: asJobId('jb'), at: 4 }).ok).toBe(false)
    s = apply(s, settleJob(s, { jobId: asJobId('jb'), outcome: { kind: 'done', result: blob('b') }, at: 5 }))
    expect(s.nodes[asNodeId('b')]?.resultBlob).toBe(blob('b').hash)
    expect(s.blobs[blob('b').hash]).toBeDefined()
    s = apply(s, startJob(s, { jobId: asJobId('jc'), at: 6 }))
    s = apply(s, settleJob(s, { jobId: asJobId('jc'), outcome: { kind: 'failed', error: { code: 'x', message: 'boom' } }, at: 7 }))
    expect(s.nodes[asNodeId('c')]?.error?.message).toBe('boom')
  })

  it('a job running when the studio died is interrupted on the next open; queued ones stay queued', () => {
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    s = edit(s, 'b', 'a', 2)
    s = edit(s, 'c', 'a', 3)
    s = apply(s, startJob(s, { jobId: asJobId('jb'), at: 4 }))
    s = applyDiff(s, interruptRunningJobs(s, 9))
    expect(s.nodes[asNodeId('b')]).toMatchObject({ status: 'failed', error: { code: 'job.interrupted' } })
    expect(s.nodes[asNodeId('c')]?.status).toBe('queued')
  })

  it('trashing a branch hides it with its descendants, and restore brings back exactly those', () => {
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    s = edit(s, 'b', 'a', 2)
    s = edit(s, 'd', 'b', 3)
    s = edit(s, 'c', 'a', 4)
    s = apply(s, trashBranch(s, { nodeId: asNodeId('d'), at: 5 }))
    s = apply(s, trashBranch(s, { nodeId: asNodeId('b'), at: 6 }))
    expect(childrenOf(s.nodes, asNodeId('a')).map((n) => n.id)).toEqual(['c'])
    s = apply(s, restoreBranch(s, { nodeId: asNodeId('b'), at: 7 }))
    expect(childrenOf(s.nodes, asNodeId('a')).map((n) => n.id)).toEqual(['b', 'c'])
    // d was trashed on its own before; restoring b does not resurrect it.
    expect(childrenOf(s.nodes, asNodeId('b'))).toEqual([])
  })

  it('refuses an empty instruction and an unknown context image', () => {
    const s = createEmptyProject('p', 'Shoes', 0)
    const empty = queueGeneration(s, {
      nodeId: asNodeId('x'),
      jobId: asJobId('y'),
      parentId: null,
      prompt: '  ',
      params,
      contextBlobs: [],
      at: 1,
    })
    expect(!empty.ok && empty.error.code).toBe('prompt.empty')
    const unknown = queueGeneration(s, {
      nodeId: asNodeId('x'),
      jobId: asJobId('y'),
      parentId: null,
      prompt: 'a',
      params,
      contextBlobs: [blob('f').hash],
      at: 1,
    })
    expect(!unknown.ok && unknown.error.code).toBe('blob.notFound')
  })
})

describe('the queue', () => {
  it('reorders queued jobs and retries a failed one at the end', async () => {
    const { reorderJob, retryJob, nextRunnableJob } = await import('../../../core/domain/jobActions')
    let s = createEmptyProject('p', 'Shoes', 0)
    s = apply(s, importImage(s, { id: asNodeId('a'), blob: blob('a'), sourceName: 'shoe.png', at: 1 }))
    s = edit(s, 'b', 'a', 2)
    s = edit(s, 'c', 'a', 3)
    s = edit(s, 'd', 'a', 4)
    s = apply(s, reorderJob(s, { jobId: asJobId('jd'), toIndex: 0 }))
    expect(nextRunnableJob(s)?.job.id).toBe('jd')
    s = apply(s, startJob(s, { jobId: asJobId('jd'), at: 5 }))
    s = apply(
      s,
      settleJob(s, { jobId: asJobId('jd'), outcome: { kind: 'failed', error: { code: 'engine.crashed', message: 'gone' } }, at: 6 }),
    )
    expect(retryJob(s, { jobId: asJobId('jb'), at: 7 }).ok).toBe(false)
    s = apply(s, retryJob(s, { jobId: asJobId('jd'), at: 7 }))
    expect(s.nodes[asNodeId('d')]?.status).toBe('queued')
    expect(nextRunnableJob(s)?.job.id).toBe('jb')
  })
})

describe('project settings', () => {
  it('renames the project and changes only the defaults given; an empty name is refused', async () => {
    const { updateProject } = await import('../../../core/domain/actions')
    const s = createEmptyProject('p', 'Shoes', 0)
    const next = apply(s, updateProject(s, { name: '  Spring campaign ', steps: 12, at: 5 }))
    expect(next.project.name).toBe('Spring campaign')
    expect(next.project.settings).toEqual({ ...s.project.settings, steps: 12 })
    expect(next.project.modifiedAt).toBe(5)
    const refused = updateProject(s, { name: '   ', at: 6 })
    expect(!refused.ok && refused.error.code).toBe('project.name')
  })
})

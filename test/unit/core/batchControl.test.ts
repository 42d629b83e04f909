import { describe, expect, it } from 'vitest'
import { importImage, nextRunnableJob, setNodeLabel } from '../../../core/domain/actions'
import { batchItems, batchRootLabel } from '../../../core/domain/batch'
import { batchMode, heldJobIds, setBatchPaused, withoutHeldJobs } from '../../../core/domain/batchControl'
import { asBlobHash, asJobId, asNodeId } from '../../../core/ids'
import { queueGeneration } from '../../../core/domain/jobActions'
import { createEmptyProject, type BlobMeta, type ProjectState } from '../../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'

const blob = (c: string): BlobMeta => ({
  hash: asBlobHash(c.repeat(64)),
  width: 8,
  height: 8,
  format: 'png',
  byteSize: 10,
  hasAlpha: false,
})
const params = { model: 'kontext-tiny', seed: 7, steps: 4, guidance: 1, width: 8, height: 8 }
function apply(state: ProjectState, r: Result<ProjectDiff>): ProjectState {
  if (!r.ok) throw new Error(r.error.message)
  return applyDiff(state, r.value)
}
/** A root (labelled as part of `batchId`, or unlabelled when null) with one queued edit, at order `t`. */
function photo(s: ProjectState, name: string, batchId: string | null, t: number, workers = false): ProjectState {
  const root = asNodeId(`root-${name}`)
  s = apply(s, importImage(s, { id: root, blob: blob(name[0] as string), sourceName: name, at: t }))
  if (batchId) s = apply(s, setNodeLabel(s, { nodeId: root, label: batchRootLabel(name, batchId, { workers }), at: t }))
  return apply(
    s,
    queueGeneration(s, {
      nodeId: asNodeId(`edit-${name}`),
      jobId: asJobId(`job-${name}`),
      parentId: root,
      prompt: 'white background',
      params,
      contextBlobs: [blob(name[0] as string).hash],
      at: t,
    }),
  )
}
const next = (s: ProjectState) => nextRunnableJob(withoutHeldJobs(s))?.job.id ?? null

describe('pausing a batch', () => {
  it('holds its queued jobs while the rest of the queue goes on, and resume releases them in order', () => {
    let s = photo(createEmptyProject('p', 'Shop', 0), 'a', 'b1', 1)
    s = photo(s, 'b', 'b1', 2)
    s = photo(s, 'loose', null, 3)
    expect(next(s)).toBe('job-a')
    s = apply(s, setBatchPaused(s, { batchId: 'b1', paused: true, at: 10 }))
    expect(batchMode(s, 'b1')).toEqual({ paused: true, workers: false })
    expect([...heldJobIds(s)].sort()).toEqual(['job-a', 'job-b'])
    // The unrelated job is not held up behind the paused batch.
    expect(next(s)).toBe('job-loose')
    // The batch is still the same batch (file names, items), only paused.
    expect(batchItems(s, 'b1').map((i) => i.fileName)).toEqual(['a', 'b'])
    s = apply(s, setBatchPaused(s, { batchId: 'b1', paused: false, at: 11 }))
    expect(batchMode(s, 'b1')).toEqual({ paused: false, workers: false })
    expect(next(s)).toBe('job-a')
  })

  it('never lets the studio queue run a batch that Redis workers run', () => {
    const s = photo(createEmptyProject('p', 'Shop', 0), 'a', 'b1', 1, true)
    expect(heldJobIds(s)).toEqual(new Set(['job-a']))
    expect(next(s)).toBeNull()
    expect(batchMode(s, 'b1')).toEqual({ paused: false, workers: true })
  })

  it('refuses a batch that is not in the project, and pausing twice changes nothing', () => {
    let s = photo(createEmptyProject('p', 'Shop', 0), 'a', 'b1', 1)
    const none = setBatchPaused(s, { batchId: 'nope', paused: true, at: 2 })
    expect(none.ok ? null : none.error.code).toBe('batch.notFound')
    s = apply(s, setBatchPaused(s, { batchId: 'b1', paused: true, at: 2 }))
    const again = setBatchPaused(s, { batchId: 'b1', paused: true, at: 3 })
    expect(again.ok && again.value).toEqual({})
  })
})

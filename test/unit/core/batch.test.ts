import { describe, expect, it } from 'vitest'
import { importImage, setNodeLabel, setNodeStarred, settleJob, startJob, trashBranch } from '../../../core/domain/actions'
import { batchIds, batchItems, batchRootLabel, estimateFromCalibration, exportNames, parseBatchLabel } from '../../../core/domain/batch'
import { asBlobHash, asJobId, asNodeId } from '../../../core/ids'
import { queueGeneration } from '../../../core/domain/jobActions'
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
const params = { model: 'kontext-tiny', seed: 7, steps: 4, guidance: 1, width: 64, height: 64 }
const N = asNodeId
const J = asJobId

function apply(state: ProjectState, r: Result<ProjectDiff>): ProjectState {
  if (!r.ok) throw new Error(r.error.message)
  return applyDiff(state, r.value)
}
/** One photo of batch `b`: its import root and one queued edit, at time `t`. */
function addPhoto(s: ProjectState, name: string, hash: string, batchId: string, t: number): ProjectState {
  const root = N(`root-${name.replace(/\W/g, '')}`)
  s = apply(s, importImage(s, { id: root, blob: blob(hash), sourceName: name, at: t }))
  s = apply(s, setNodeLabel(s, { nodeId: root, label: batchRootLabel(name, batchId), at: t }))
  const edit = `edit-${root}`
  return apply(
    s,
    queueGeneration(s, {
      nodeId: N(edit),
      jobId: J(`job-${edit}`),
      parentId: root,
      prompt: 'white background',
      params,
      contextBlobs: [blob(hash).hash],
      at: t,
    }),
  )
}
function finish(s: ProjectState, job: string, started: number, finished: number): ProjectState {
  s = apply(s, startJob(s, { jobId: J(job), at: started }))
  return apply(s, settleJob(s, { jobId: J(job), outcome: { kind: 'done', result: blob('f') }, at: finished }))
}

describe('a batch derived from labelled import roots', () => {
  it('round-trips the label and ignores ordinary labels', () => {
    expect(parseBatchLabel(batchRootLabel('shoe · red.png', 'b1'))).toEqual({
      fileName: 'shoe · red.png',
      batchId: 'b1',
      workers: false,
      paused: false,
    })
    expect(parseBatchLabel(batchRootLabel('a.png', 'b1', { workers: true, paused: true }))).toMatchObject({
      fileName: 'a.png',
      workers: true,
      paused: true,
    })
    expect(parseBatchLabel('my favourite')).toBeNull()
    expect(parseBatchLabel(null)).toBeNull()
  })

  it('lists each photo with its edit; accepted = starred and done, rejected = edit trashed', () => {
    let s = createEmptyProject('p', 'Shop', 0)
    s = addPhoto(s, 'a.png', 'a', 'b1', 1)
    s = addPhoto(s, 'b.png', 'b', 'b1', 2)
    s = addPhoto(s, 'other.png', 'c', 'b2', 3)
    s = finish(s, 'job-edit-root-apng', 10, 20)
    s = finish(s, 'job-edit-root-bpng', 20, 30)
    s = apply(s, setNodeStarred(s, { nodeId: N('edit-root-apng'), starred: true, at: 40 }))
    s = apply(s, trashBranch(s, { nodeId: N('edit-root-bpng'), at: 41 }))
    const items = batchItems(s, 'b1')
    expect(items.map((i) => i.fileName)).toEqual(['a.png', 'b.png'])
    expect(items[0]).toMatchObject({ rootId: 'root-apng', accepted: true, status: 'done' })
    expect(items[0]?.edit?.parentId).toBe('root-apng')
    expect(items[1]).toMatchObject({ edit: null, accepted: false, status: 'rejected' })
    expect(batchIds(s)).toEqual(['b2', 'b1'])
  })

  it('shows the newest edit once an item is re-run', () => {
    let s = addPhoto(createEmptyProject('p', 'Shop', 0), 'a.png', 'a', 'b1', 1)
    s = apply(
      s,
      queueGeneration(s, {
        nodeId: N('rerun'),
        jobId: J('rerun-job'),
        parentId: N('root-apng'),
        prompt: 'white background',
        params: { ...params, seed: 8 },
        contextBlobs: [blob('a').hash],
        at: 5,
      }),
    )
    expect(batchItems(s, 'b1')[0]?.edit?.id).toBe('rerun')
  })
})

describe('export names', () => {
  it('keeps the input names as PNG, never a path, and never twice', () => {
    expect(exportNames(['a.png', 'b.jpg', 'B.jpeg', '../x.png', 'noext'])).toEqual(['a.png', 'b.png', 'B-2.png', '__x.png', 'noext.png'])
  })
})

describe('the plan’s estimate from a calibration edit', () => {
  const measured = { editMs: 400, steps: 2 }
  it('is the measured edit × the count on one queue', () => {
    expect(estimateFromCalibration(measured, 30, 1)).toBe(12_000)
  })
  it('divides by the workers, rounding the rounds up (the last one may be part-full)', () => {
    expect(estimateFromCalibration(measured, 30, 4)).toBe(3200)
    expect(estimateFromCalibration(measured, 3, 2)).toBe(800)
    expect(estimateFromCalibration(measured, 2, 8)).toBe(400)
  })
  it('never divides by less than one at a time, and nothing to do takes no time', () => {
    expect(estimateFromCalibration(measured, 5, 0)).toBe(2000)
    expect(estimateFromCalibration(measured, 0, 1)).toBe(0)
  })
})

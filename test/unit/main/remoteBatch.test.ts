/** Which of a workers batch's jobs go to Redis, under which settings and result keys. */
import { describe, expect, it } from 'vitest'
import { importImage, setNodeLabel, settleJob } from '../../../core/domain/actions'
import { batchRootLabel } from '../../../core/domain/batch'
import { asBlobHash, asJobId, asNodeId } from '../../../core/ids'
import { queueGeneration } from '../../../core/domain/jobActions'
import { createEmptyProject, type BlobMeta, type ProjectState } from '../../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'
import { resultKey, seedFor } from '../../../engine/batch/plan'
import { pendingGroups } from '../../../main/services/remoteBatch'

const blob = (c: string): BlobMeta => ({
  hash: asBlobHash(c.repeat(64)),
  width: 8,
  height: 8,
  format: 'png',
  byteSize: 10,
  hasAlpha: false,
})
const REF = blob('e').hash
function apply(state: ProjectState, r: Result<ProjectDiff>): ProjectState {
  if (!r.ok) throw new Error(r.error.message)
  return applyDiff(state, r.value)
}
function edit(s: ProjectState, name: string, root: string, input: string, seed: number, t: number, mask?: BlobMeta): ProjectState {
  return apply(
    s,
    queueGeneration(s, {
      nodeId: asNodeId(`edit-${name}`),
      jobId: asJobId(`job-${name}`),
      parentId: asNodeId(root),
      prompt: 'white background',
      params: { model: 'kontext-tiny', seed, steps: 2, guidance: 1, width: 8, height: 8 },
      contextBlobs: [asBlobHash(input), REF],
      newBlobs: mask ? [blob('e'), mask] : [blob('e')],
      ...(mask ? { region: { maskBlob: mask.hash } } : {}),
      at: t,
    }),
  )
}
function photo(s: ProjectState, c: string, t: number): ProjectState {
  const root = `root-${c}`
  s = apply(s, importImage(s, { id: asNodeId(root), blob: blob(c), sourceName: `${c}.png`, at: t }))
  s = apply(s, setNodeLabel(s, { nodeId: asNodeId(root), label: batchRootLabel(`${c}.png`, 'b1', { workers: true }), at: t }))
  return edit(s, c, root, blob(c).hash, seedFor(blob(c).hash, null), t)
}

describe('a workers batch’s pending jobs', () => {
  it('shares one group while seeds are the derived ones, keyed as kontext batch keys them', () => {
    let s = photo(createEmptyProject('p', 'Shop', 0), 'a', 1)
    s = photo(s, 'b', 2)
    const groups = pendingGroups(s, 'b1')
    expect(groups).toHaveLength(1)
    const [g] = groups
    expect(g?.settings).toEqual({ prompt: 'white background', model: 'kontext-tiny', steps: 2, guidance: 1, refs: [REF], seed: null })
    expect(g?.items.map((i) => i.jobId)).toEqual(['job-a', 'job-b'])
    expect(g?.items[0]?.key).toBe(resultKey(blob('a').hash, g!.settings))
  })

  it('gives a re-run (its own seed) a group of its own, and leaves settled jobs out', () => {
    let s = photo(createEmptyProject('p', 'Shop', 0), 'a', 1)
    s = photo(s, 'b', 2)
    s = apply(s, settleJob(s, { jobId: asJobId('job-b'), outcome: { kind: 'done', result: blob('f') }, at: 3 }))
    s = edit(s, 'b-again', 'root-b', blob('b').hash, 99, 4)
    const groups = pendingGroups(s, 'b1')
    expect(groups.map((g) => [g.settings.seed, g.items.map((i) => i.jobId)])).toEqual([
      [null, ['job-a']],
      [99, ['job-b-again']],
    ])
  })

  it('sends a region edit’s mask with its job, keyed with it (a preset batch never takes a whole-image result)', () => {
    let s = photo(createEmptyProject('p', 'Shop', 0), 'a', 1)
    s = apply(s, importImage(s, { id: asNodeId('root-c'), blob: blob('c'), sourceName: 'c.png', at: 2 }))
    s = apply(s, setNodeLabel(s, { nodeId: asNodeId('root-c'), label: batchRootLabel('c.png', 'b1', { workers: true }), at: 2 }))
    s = edit(s, 'c', 'root-c', blob('c').hash, seedFor(blob('c').hash, null), 2, blob('d'))
    const [g] = pendingGroups(s, 'b1')
    const masked = g?.items.find((i) => i.jobId === 'job-c')
    expect(masked?.maskHash).toBe(blob('d').hash)
    expect(masked?.key).toBe(resultKey(blob('c').hash, g!.settings, blob('d').hash))
    expect(masked?.key).not.toBe(resultKey(blob('c').hash, g!.settings))
    expect(g?.items.find((i) => i.jobId === 'job-a')?.maskHash).toBeUndefined()
  })
})

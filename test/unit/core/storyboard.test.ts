import { describe, expect, it } from 'vitest'
import { importImage, settleJob, startJob } from '../../../core/domain/actions'
import { acceptCandidate, applyToFrames, discardCandidate } from '../../../core/domain/frameReview'
import { childrenOf } from '../../../core/domain/historyTree'
import { asBlobHash, asFrameId, asJobId, asNodeId } from '../../../core/ids'
import { nextRunnableJob } from '../../../core/domain/jobActions'
import { createEmptyProject, type BlobMeta, type ProjectState } from '../../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'
import { rerunBranch, rerunWithSeed } from '../../../core/domain/rerun'
import {
  frameLineage,
  insertFrame,
  moveFrame,
  nextShot,
  orderedFrames,
  totalDurationMs,
  updateFrame,
} from '../../../core/domain/storyboard'
import { queueGeneration } from '../../../core/domain/jobActions'

const blob = (c: string): BlobMeta => ({
  hash: asBlobHash(c.repeat(64)),
  width: 64,
  height: 48,
  format: 'png',
  byteSize: 10,
  hasAlpha: false,
})
const params = { model: 'kontext-tiny', seed: 7, steps: 8, guidance: 1, width: 64, height: 48 }
const N = asNodeId
const F = asFrameId
const J = asJobId

function apply(state: ProjectState, r: Result<ProjectDiff>): ProjectState {
  if (!r.ok) throw new Error(r.error.message)
  return applyDiff(state, r.value)
}
/** Runs a queued job to completion with a result blob, as the host would. */
function finish(state: ProjectState, job: string, result: string): ProjectState {
  const started = apply(state, startJob(state, { jobId: J(job), at: 50 }))
  return apply(started, settleJob(started, { jobId: J(job), outcome: { kind: 'done', result: blob(result) }, at: 51 }))
}
function photo(): ProjectState {
  const s = createEmptyProject('p', 'Story', 0)
  return apply(s, importImage(s, { id: N('hero'), blob: blob('a'), sourceName: 'hero.png', at: 1 }))
}

describe('a storyboard artist’s strip', () => {
  it('next shot generates from the previous frame’s image, with pinned frames as further contexts', () => {
    let s = photo()
    s = apply(s, insertFrame(s, { frameId: F('f1'), nodeId: N('hero'), at: 2 }))
    s = apply(
      s,
      nextShot(s, {
        afterFrameId: F('f1'),
        frameId: F('f2'),
        nodeId: N('kitchen'),
        jobId: J('j1'),
        prompt: 'same character walking into the kitchen',
        params,
        pinnedFrameIds: [F('f1')],
        at: 3,
      }),
    )
    const kitchen = s.nodes[N('kitchen')]
    expect(kitchen?.parentId).toBe('hero')
    expect(kitchen?.contextBlobs).toEqual([blob('a').hash, blob('a').hash])
    expect(orderedFrames(s).map((f) => f.id)).toEqual(['f1', 'f2'])
  })

  it('a shot after a frame that is still rendering waits for it, then takes its image', () => {
    let s = photo()
    s = apply(s, insertFrame(s, { frameId: F('f1'), nodeId: N('hero'), at: 2 }))
    s = apply(
      s,
      nextShot(s, {
        afterFrameId: F('f1'),
        frameId: F('f2'),
        nodeId: N('n2'),
        jobId: J('j2'),
        prompt: 'shot two',
        params,
        pinnedFrameIds: [],
        at: 3,
      }),
    )
    s = apply(
      s,
      nextShot(s, {
        afterFrameId: F('f2'),
        frameId: F('f3'),
        nodeId: N('n3'),
        jobId: J('j3'),
        prompt: 'shot three',
        params,
        pinnedFrameIds: [],
        at: 4,
      }),
    )
    expect(nextRunnableJob(s)?.job.id).toBe('j2')
    s = finish(s, 'j2', 'b')
    s = apply(s, startJob(s, { jobId: J('j3'), at: 60 }))
    expect(s.nodes[N('n3')]?.contextBlobs).toEqual([blob('b').hash])
    expect(orderedFrames(s).map((f) => f.id)).toEqual(['f1', 'f2', 'f3'])
  })

  it('reordering moves one frame and keeps the rest in place', () => {
    let s = photo()
    for (const id of ['f1', 'f2', 'f3']) s = apply(s, insertFrame(s, { frameId: F(id), nodeId: N('hero'), at: 2 }))
    const moved = moveFrame(s, { frameId: F('f3'), toIndex: 0, at: 3 })
    expect(moved.ok && moved.value.putFrames?.length).toBe(1)
    s = apply(s, moved)
    expect(orderedFrames(s).map((f) => f.id)).toEqual(['f3', 'f1', 'f2'])
    s = apply(s, moveFrame(s, { frameId: F('f3'), toIndex: 2, at: 4 }))
    expect(orderedFrames(s).map((f) => f.id)).toEqual(['f1', 'f2', 'f3'])
    s = apply(s, updateFrame(s, { frameId: F('f1'), durationMs: 500, at: 5 }))
    expect(totalDurationMs(s)).toBe(4500)
  })

  it('a frame can show another node of its own tree, never one of another tree', () => {
    let s = photo()
    s = apply(s, importImage(s, { id: N('other'), blob: blob('z'), sourceName: 'other.png', at: 1 }))
    s = apply(
      s,
      queueGeneration(s, {
        nodeId: N('v2'),
        jobId: J('jv'),
        parentId: N('hero'),
        prompt: 'variant',
        params,
        contextBlobs: [blob('a').hash],
        at: 2,
      }),
    )
    s = apply(s, insertFrame(s, { frameId: F('f1'), nodeId: N('hero'), at: 3 }))
    expect(frameLineage(s, F('f1'))).toEqual(['hero', 'v2'])
    expect(updateFrame(s, { frameId: F('f1'), nodeId: N('v2'), at: 4 }).ok).toBe(true)
    const refused = updateFrame(s, { frameId: F('f1'), nodeId: N('other'), at: 4 })
    expect(!refused.ok && refused.error.code).toBe('frame.notInLineage')
  })

  it('apply to frames proposes a child per frame; accept adopts it, discard trashes it', () => {
    let s = photo()
    s = apply(s, importImage(s, { id: N('b'), blob: blob('b'), sourceName: 'b.png', at: 1 }))
    s = apply(s, insertFrame(s, { frameId: F('f1'), nodeId: N('hero'), at: 2 }))
    s = apply(s, insertFrame(s, { frameId: F('f2'), nodeId: N('b'), at: 2 }))
    s = apply(
      s,
      applyToFrames(s, {
        prompt: 'make it night',
        params: { model: 'kontext-tiny', seed: 3, steps: 8, guidance: 1 },
        targets: [
          { frameId: F('f1'), nodeId: N('c1'), jobId: J('j1') },
          { frameId: F('f2'), nodeId: N('c2'), jobId: J('j2') },
        ],
        at: 3,
      }),
    )
    expect(s.frames[F('f1')]?.candidateNodeId).toBe('c1')
    expect(s.jobs[J('j1')]?.order).toBeLessThan(s.jobs[J('j2')]?.order ?? 0)
    s = apply(s, acceptCandidate(s, { frameId: F('f1'), at: 4 }))
    s = apply(s, discardCandidate(s, { frameId: F('f2'), at: 4 }))
    expect(s.frames[F('f1')]?.nodeId).toBe('c1')
    expect(s.frames[F('f2')]?.nodeId).toBe('b')
    expect(childrenOf(s.nodes, N('b'))).toEqual([])
  })
})

describe('re-running', () => {
  it('a new seed makes a sibling with the same instruction and contexts', () => {
    let s = photo()
    s = apply(
      s,
      queueGeneration(s, {
        nodeId: N('e1'),
        jobId: J('j1'),
        parentId: N('hero'),
        prompt: 'make it red',
        params,
        contextBlobs: [blob('a').hash],
        at: 2,
      }),
    )
    s = apply(s, rerunWithSeed(s, { nodeId: N('e1'), newNodeId: N('e2'), jobId: J('j2'), seed: 99, at: 3 }))
    expect(childrenOf(s.nodes, N('hero')).map((n) => n.id)).toEqual(['e1', 'e2'])
    expect(s.nodes[N('e2')]?.params?.seed).toBe(99)
    expect(s.nodes[N('e2')]?.prompt).toBe('make it red')
  })

  it('a branch replays on a changed ancestor with its seeds, each step taking the previous result', () => {
    let s = photo()
    s = apply(
      s,
      queueGeneration(s, {
        nodeId: N('e1'),
        jobId: J('j1'),
        parentId: N('hero'),
        prompt: 'one',
        params: { ...params, seed: 1 },
        contextBlobs: [blob('a').hash],
        at: 2,
      }),
    )
    s = finish(s, 'j1', 'b')
    s = apply(
      s,
      queueGeneration(s, {
        nodeId: N('e2'),
        jobId: J('j2'),
        parentId: N('e1'),
        prompt: 'two',
        params: { ...params, seed: 2 },
        contextBlobs: [blob('b').hash],
        at: 3,
      }),
    )
    s = finish(s, 'j2', 'c')
    s = apply(s, importImage(s, { id: N('hero2'), blob: blob('d'), sourceName: 'retouched.png', at: 4 }))
    s = apply(
      s,
      rerunBranch(s, {
        fromAncestorId: N('hero'),
        leafId: N('e2'),
        ontoNodeId: N('hero2'),
        ids: [
          { nodeId: N('r1'), jobId: J('k1') },
          { nodeId: N('r2'), jobId: J('k2') },
        ],
        at: 5,
      }),
    )
    expect(s.nodes[N('r1')]?.parentId).toBe('hero2')
    expect(s.nodes[N('r2')]?.parentId).toBe('r1')
    expect([s.nodes[N('r1')]?.params?.seed, s.nodes[N('r2')]?.params?.seed]).toEqual([1, 2])
    s = apply(s, startJob(s, { jobId: J('k1'), at: 6 }))
    expect(s.nodes[N('r1')]?.contextBlobs).toEqual([blob('d').hash])
    expect(startJob(s, { jobId: J('k2'), at: 6 }).ok).toBe(false)
  })
})

describe('shot titles and shapes', () => {
  it('an automatic title is the frame’s position, also for titles older projects stored with a number', async () => {
    const { frameTitle, isAutomaticTitle } = await import('../../../core/domain/storyboard')
    expect(frameTitle({ title: '' }, 0)).toBe('Shot 1')
    expect(frameTitle({ title: 'Shot 4' }, 1)).toBe('Shot 2')
    expect(frameTitle({ title: 'Hero enters' }, 1)).toBe('Hero enters')
    expect(isAutomaticTitle('Shot 12')).toBe(true)
    expect(isAutomaticTitle('Shot 12 — close-up')).toBe(false)
  })

  it('an aspect preset keeps about the previous frame’s pixel count, in multiples of 16', async () => {
    const { sizeForAspect } = await import('../../../core/domain/storyboard')
    expect(sizeForAspect({ width: 1024, height: 1024 }, '16:9')).toEqual({ width: 1360, height: 768 })
    expect(sizeForAspect({ width: 1024, height: 1024 }, '1:1')).toEqual({ width: 1024, height: 1024 })
    const scope = sizeForAspect({ width: 1024, height: 1024 }, '2.39:1')
    expect(scope.width / scope.height).toBeCloseTo(2.39, 1)
    const portrait = sizeForAspect({ width: 1024, height: 1024 }, '4:5')
    expect(portrait.width % 16).toBe(0)
    expect(portrait.width).toBeLessThan(portrait.height)
  })
})

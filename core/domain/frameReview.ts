/**
 * "Apply to frames": one instruction runs on several frames, each producing a child node that
 * waits for review. Accepting points the frame at the candidate; discarding trashes it.
 */
import type { FrameId, JobId, NodeId } from '../ids'
import type { GenerationParams, ProjectState } from './model'
import { applyDiff, mergeDiffs, type ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result } from '../result'
import { trashBranch } from './actions'
import { queueGeneration } from './jobActions'
import { touch } from './nodeFactory'
import { frameTitle, orderedFrames } from './storyboard'

export interface ApplyToFramesInput {
  readonly prompt: string
  readonly params: Omit<GenerationParams, 'width' | 'height'>
  /** One entry per frame, with the ids the shell minted for its node and job. */
  readonly targets: readonly { readonly frameId: FrameId; readonly nodeId: NodeId; readonly jobId: JobId }[]
  readonly at: number
}

export function applyToFrames(state: ProjectState, input: ApplyToFramesInput): Result<ProjectDiff> {
  if (input.targets.length === 0) return err(studioError('frames.noneSelected', 'Select at least one frame.'))
  let current = state
  const diffs: ProjectDiff[] = []
  for (const target of input.targets) {
    const frame = current.frames[target.frameId]
    if (!frame) return err(studioError('frame.notFound', `There is no storyboard frame ${target.frameId}.`))
    const node = current.nodes[frame.nodeId]
    const blob = node?.resultBlob ? current.blobs[node.resultBlob] : undefined
    if (!node || !blob)
      return err(
        studioError(
          'frame.noImage',
          `Frame “${frameTitle(frame, orderedFrames(current).indexOf(frame))}” has no image yet.`,
          'Wait for it to finish, then apply the instruction.',
        ),
      )
    const queued = queueGeneration(current, {
      nodeId: target.nodeId,
      jobId: target.jobId,
      parentId: node.id,
      prompt: input.prompt,
      params: { ...input.params, width: blob.width, height: blob.height },
      contextBlobs: [blob.hash],
      at: input.at,
    })
    if (!queued.ok) return queued
    const marked: ProjectDiff = { putFrames: [{ ...frame, candidateNodeId: target.nodeId }] }
    diffs.push(queued.value, marked)
    current = applyDiff(current, mergeDiffs(queued.value, marked))
  }
  return ok(mergeDiffs(...diffs, { project: touch(state, input.at) }))
}

export function acceptCandidate(state: ProjectState, input: { frameId: FrameId; at: number }): Result<ProjectDiff> {
  const frame = state.frames[input.frameId]
  if (!frame?.candidateNodeId) return err(studioError('frame.noCandidate', 'This frame has no edit waiting for review.'))
  return ok({ project: touch(state, input.at), putFrames: [{ ...frame, nodeId: frame.candidateNodeId, candidateNodeId: null }] })
}

export function discardCandidate(state: ProjectState, input: { frameId: FrameId; at: number }): Result<ProjectDiff> {
  const frame = state.frames[input.frameId]
  if (!frame?.candidateNodeId) return err(studioError('frame.noCandidate', 'This frame has no edit waiting for review.'))
  const trashed = trashBranch(state, { nodeId: frame.candidateNodeId, at: input.at })
  if (!trashed.ok) return trashed
  return ok(mergeDiffs(trashed.value, { putFrames: [{ ...frame, candidateNodeId: null }] }))
}

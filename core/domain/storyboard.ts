/**
 * The storyboard: frames point at history nodes and never copy images. Order is a fractional
 * key, so moving a frame rewrites one record (and a crash mid-move cannot scramble the strip).
 */
import type { BlobHash, FrameId, JobId, NodeId } from '../ids'
import type { Frame, GenerationParams, ProjectState } from './model'
import { applyDiff, mergeDiffs, type ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result, type StudioErrorData } from '../result'
import { pathToRoot, subtree } from './historyTree'
import { queueGeneration } from './jobActions'
import { missingNode, touch } from './nodeFactory'

export const orderedFrames = (state: ProjectState): Frame[] =>
  Object.values(state.frames).sort((a, b) => a.order - b.order || (a.id < b.id ? -1 : 1))

export const totalDurationMs = (state: ProjectState): number => orderedFrames(state).reduce((sum, f) => sum + f.durationMs, 0)

const missingFrame = (id: FrameId): StudioErrorData =>
  studioError('frame.notFound', `There is no storyboard frame ${id}.`, 'Reload the project and try again.')

/** The order key that puts a frame at `index` of the strip without `movingId`. */
function orderAt(frames: readonly Frame[], index: number, movingId: FrameId | null): number {
  const others = frames.filter((f) => f.id !== movingId)
  const clamped = Math.max(0, Math.min(index, others.length))
  const before = others[clamped - 1]?.order
  const after = others[clamped]?.order
  if (before === undefined && after === undefined) return 1
  if (before === undefined) return (after as number) - 1
  if (after === undefined) return before + 1
  return (before + after) / 2
}

/**
 * Older projects stored a frame's number in its title ("Shot 4"); a number written into the
 * title goes stale after a reorder ("2. Shot 4" in the PDF). Such titles and empty ones are
 * automatic: shown as the frame's current position.
 */
const AUTOMATIC_TITLE = /^\s*(shot\s*\d+)?\s*$/i

export function isAutomaticTitle(title: string): boolean {
  return AUTOMATIC_TITLE.test(title)
}

/** The title a frame shows at `index` (0-based) in the storyboard. */
export function frameTitle(frame: Pick<Frame, 'title'>, index: number): string {
  return isAutomaticTitle(frame.title) ? `Shot ${index + 1}` : frame.title
}

/** Aspect presets of film, video and social formats, width : height. */
export const ASPECT_PRESETS = { '16:9': 16 / 9, '2.39:1': 2.39, '4:5': 4 / 5, '1:1': 1 } as const
export type AspectPreset = keyof typeof ASPECT_PRESETS

/**
 * The size of a shot at `aspect` with about the pixel count of `base` (the previous frame), in
 * multiples of 16 px (the latent patch of every model here); the engine then snaps to its
 * nearest preferred resolution.
 */
export function sizeForAspect(base: { width: number; height: number }, aspect: AspectPreset): { width: number; height: number } {
  const ratio = ASPECT_PRESETS[aspect]
  const area = base.width * base.height
  const snap = (v: number) => Math.max(16, Math.round(v / 16) * 16)
  return { width: snap(Math.sqrt(area * ratio)), height: snap(Math.sqrt(area / ratio)) }
}

export function insertFrame(
  state: ProjectState,
  input: { frameId: FrameId; nodeId: NodeId; index?: number; title?: string; durationMs?: number; at: number },
): Result<ProjectDiff> {
  if (!state.nodes[input.nodeId]) return err(missingNode(input.nodeId))
  const frames = orderedFrames(state)
  const frame: Frame = {
    id: input.frameId,
    order: orderAt(frames, input.index ?? frames.length, null),
    nodeId: input.nodeId,
    // Empty = automatic: the frame is called by its position wherever it moves.
    title: input.title ?? '',
    notes: '',
    durationMs: input.durationMs ?? 2000,
    candidateNodeId: null,
  }
  return ok({ project: touch(state, input.at), putFrames: [frame] })
}

export function moveFrame(state: ProjectState, input: { frameId: FrameId; toIndex: number; at: number }): Result<ProjectDiff> {
  const frame = state.frames[input.frameId]
  if (!frame) return err(missingFrame(input.frameId))
  return ok({ project: touch(state, input.at), putFrames: [{ ...frame, order: orderAt(orderedFrames(state), input.toIndex, frame.id) }] })
}

/** Nodes a frame may point at: its current node's whole tree (same root), not trashed. */
export function frameLineage(state: ProjectState, frameId: FrameId): NodeId[] {
  const frame = state.frames[frameId]
  if (!frame) return []
  const root = pathToRoot(state.nodes, frame.nodeId)[0]
  return root ? subtree(state.nodes, root.id, false).map((n) => n.id) : []
}

export function updateFrame(
  state: ProjectState,
  input: { frameId: FrameId; title?: string; notes?: string; durationMs?: number; nodeId?: NodeId; at: number },
): Result<ProjectDiff> {
  const frame = state.frames[input.frameId]
  if (!frame) return err(missingFrame(input.frameId))
  if (input.nodeId !== undefined && !frameLineage(state, input.frameId).includes(input.nodeId)) {
    return err(
      studioError(
        'frame.notInLineage',
        'A frame can only show a node of its own history tree.',
        'Pick a node from the same tree, or add a new frame for it.',
      ),
    )
  }
  if (input.durationMs !== undefined && !(input.durationMs >= 40 && input.durationMs <= 600_000)) {
    return err(studioError('frame.duration', 'A frame lasts from 0.04 s to 10 minutes.'))
  }
  const next: Frame = {
    ...frame,
    title: input.title ?? frame.title,
    notes: input.notes ?? frame.notes,
    durationMs: input.durationMs ?? frame.durationMs,
    nodeId: input.nodeId ?? frame.nodeId,
  }
  return ok({ project: touch(state, input.at), putFrames: [next] })
}

export function removeFrame(state: ProjectState, input: { frameId: FrameId; at: number }): Result<ProjectDiff> {
  if (!state.frames[input.frameId]) return err(missingFrame(input.frameId))
  return ok({ project: touch(state, input.at), removeFrames: [input.frameId] })
}

export interface NextShotInput {
  readonly afterFrameId: FrameId
  readonly frameId: FrameId
  readonly nodeId: NodeId
  readonly jobId: JobId
  readonly prompt: string
  readonly params: GenerationParams
  /** Frames whose images ride along as extra contexts (a character sheet), in order. */
  readonly pinnedFrameIds: readonly FrameId[]
  readonly at: number
}

/**
 * "Next shot": a new frame right after `afterFrameId` whose node is generated from that frame's
 * image as the first context (a child of its node, so lineage stays exact), plus pinned frames'
 * images as further contexts. If the previous frame's image is still being made, the new node
 * takes it when its job starts.
 */
export function nextShot(state: ProjectState, input: NextShotInput): Result<ProjectDiff> {
  const previous = state.frames[input.afterFrameId]
  if (!previous) return err(missingFrame(input.afterFrameId))
  const previousNode = state.nodes[previous.nodeId]
  if (!previousNode) return err(missingNode(previous.nodeId))
  const pinned: BlobHash[] = []
  for (const id of input.pinnedFrameIds) {
    const frame = state.frames[id]
    const blob = frame ? state.nodes[frame.nodeId]?.resultBlob : null
    if (!frame) return err(missingFrame(id))
    if (!blob)
      return err(
        studioError(
          'frame.noImage',
          `Pinned frame “${frameTitle(frame, orderedFrames(state).indexOf(frame))}” has no image yet.`,
          'Wait for it to finish or unpin it.',
        ),
      )
    pinned.push(blob)
  }
  const ready = previousNode.status === 'done' && previousNode.resultBlob !== null
  const queued = queueGeneration(state, {
    nodeId: input.nodeId,
    jobId: input.jobId,
    parentId: previousNode.id,
    prompt: input.prompt,
    params: input.params,
    contextBlobs: ready ? [previousNode.resultBlob as BlobHash, ...pinned] : pinned,
    contextFromParent: !ready,
    at: input.at,
  })
  if (!queued.ok) return queued
  const frames = orderedFrames(state)
  const index = frames.findIndex((f) => f.id === previous.id) + 1
  const frame = insertFrame(applyDiff(state, queued.value), {
    frameId: input.frameId,
    nodeId: input.nodeId,
    index,
    durationMs: previous.durationMs,
    at: input.at,
  })
  if (!frame.ok) return frame
  return ok(mergeDiffs(queued.value, frame.value))
}

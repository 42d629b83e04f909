/** The storyboard's frames with their images, in order — what every storyboard export needs. */
import type { ProjectState } from '../../../core/domain/model'
import { StudioError, studioError } from '../../../core/result'
import { frameTitle, orderedFrames } from '../../../core/domain/storyboard'
import type { ProjectSession } from '../projectSession'

export interface FrameImage {
  /** As shown in the studio: an automatic title is the frame's position ("Shot 3"). */
  readonly title: string
  readonly notes: string
  /** The instruction that made the frame's picture; null for an imported one. */
  readonly instruction: string | null
  readonly durationMs: number
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
}

export function framesWithImages(state: ProjectState, session: ProjectSession): FrameImage[] {
  const frames = orderedFrames(state)
  if (frames.length === 0)
    throw new StudioError(
      studioError('storyboard.empty', 'The storyboard has no frames to export.', 'Add the current node as a frame first.'),
    )
  return frames.map((frame, i) => {
    const node = state.nodes[frame.nodeId]
    const blob = node?.resultBlob ? state.blobs[node.resultBlob] : undefined
    const png = blob ? session.readBlob(blob.hash) : null
    if (!blob || !png) {
      throw new StudioError(
        studioError(
          'storyboard.frameNotReady',
          `Frame ${i + 1} (“${frameTitle(frame, i)}”) has no finished image.`,
          'Wait for its job to finish or point the frame at a finished node.',
        ),
      )
    }
    return {
      title: frameTitle(frame, i),
      notes: frame.notes,
      instruction: node?.prompt ?? null,
      durationMs: frame.durationMs,
      png,
      width: blob.width,
      height: blob.height,
    }
  })
}

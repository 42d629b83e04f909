/**
 * The domain model: plain serialisable records. Every change to a project is a `ProjectDiff`
 * (see projectDiff.ts) produced by a pure action in actions.ts, persisted by the host in one
 * transaction and mirrored by the renderer — so both sides agree on what an action means.
 */
import type { BlobHash, FrameId, JobId, LayerId, NodeId } from '../ids'
import type { StudioErrorData } from '../result'

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif'

/** An image stored once, addressed by the sha256 of its bytes. */
export interface BlobMeta {
  readonly hash: BlobHash
  readonly width: number
  readonly height: number
  readonly format: ImageFormat
  readonly byteSize: number
  readonly hasAlpha: boolean
}

export type NodeKind = 'import' | 'generate' | 'edit' | 'compose'
export type NodeStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** Everything needed to reproduce a generation. */
export interface GenerationParams {
  readonly model: string
  readonly seed: number
  readonly steps: number
  readonly guidance: number
  readonly width: number
  readonly height: number
}

export interface NodeTimings {
  readonly queuedAt?: number
  readonly startedAt?: number
  readonly finishedAt?: number
}

/** A region edit: the edit ran on a crop around the mask and was pasted back feathered. */
export interface RegionSpec {
  /** Mask image (white = edit), same size as the context. */
  readonly maskBlob: BlobHash
}

/** One image state in the history forest. Editing any node adds a child; nothing is rewritten. */
export interface HistoryNode {
  readonly id: NodeId
  readonly parentId: NodeId | null
  readonly kind: NodeKind
  readonly prompt: string | null
  readonly params: GenerationParams | null
  /** The images it was conditioned on, in order (offsets 1, 2, … in the model). */
  readonly contextBlobs: readonly BlobHash[]
  /**
   * Queued behind a parent that has no result yet (re-running a branch, next shot from a pending
   * frame): when its job starts, the parent's result is put first in `contextBlobs`.
   */
  readonly contextFromParent: boolean
  readonly resultBlob: BlobHash | null
  readonly status: NodeStatus
  readonly error: StudioErrorData | null
  readonly timings: NodeTimings
  readonly createdAt: number
  readonly label: string | null
  readonly starred: boolean
  /** Set when the node is in the trash; cleared on restore. */
  readonly deletedAt: number | null
  /** Original file name for imports. */
  readonly sourceName: string | null
  readonly region: RegionSpec | null
}

export interface LayerTransform {
  readonly x: number
  readonly y: number
  readonly scaleX: number
  readonly scaleY: number
  readonly rotation: number
}

interface LayerBase {
  readonly id: LayerId
  readonly name: string
  readonly visible: boolean
  readonly locked: boolean
  readonly opacity: number
  readonly transform: LayerTransform
}
export interface ImageLayer extends LayerBase {
  readonly kind: 'image'
  readonly blob: BlobHash
  readonly width: number
  readonly height: number
}
export interface PaintLayer extends LayerBase {
  readonly kind: 'paint'
  /** The painted strokes rasterised to a blob; null when empty. */
  readonly blob: BlobHash | null
  readonly isMask: boolean
}
export const TEXT_FONTS = ['sans-serif', 'serif', 'monospace', 'cursive'] as const
export interface TextLayer extends LayerBase {
  readonly kind: 'text'
  readonly text: string
  readonly fontSize: number
  readonly color: string
  /** Absent in documents saved before these existed: sans-serif, normal, left. */
  readonly fontFamily?: (typeof TEXT_FONTS)[number]
  readonly fontWeight?: 'normal' | 'bold'
  readonly align?: 'left' | 'center' | 'right'
}
export type Layer = ImageLayer | PaintLayer | TextLayer

/** The stack of layers on a node, bottom first. */
export interface LayerDocument {
  readonly nodeId: NodeId
  readonly width: number
  readonly height: number
  readonly layers: readonly Layer[]
}

export interface Frame {
  readonly id: FrameId
  /** Position in the storyboard; frames are ordered by this key (fractional, so a move is one row). */
  readonly order: number
  readonly nodeId: NodeId
  readonly title: string
  readonly notes: string
  readonly durationMs: number
  /**
   * A child node proposed for this frame by "apply to frames", waiting for the user to accept
   * (the frame then points at it) or discard it (it goes to the trash).
   */
  readonly candidateNodeId: NodeId | null
}

/**
 * A place in the queue for the node it will fill. The job has no state of its own: the node's
 * `status` (queued → running → done | failed | cancelled) and `error` are the job's, so there is
 * one state machine. The queue is the queued nodes in `order` (see `queuedNodeIds`).
 */
export interface Job {
  readonly id: JobId
  readonly nodeId: NodeId
  /** Queue position among queued nodes (lower runs first); a retry moves it to the end. */
  readonly order: number
  readonly createdAt: number
}

export interface ProjectSettings {
  readonly defaultModel: string
  readonly steps: number
  readonly guidance: number
}

export interface ProjectInfo {
  readonly id: string
  readonly name: string
  readonly createdAt: number
  readonly modifiedAt: number
  readonly settings: ProjectSettings
}

/** The whole project as the renderer sees it (blob bytes are fetched separately by hash). */
export interface ProjectState {
  readonly project: ProjectInfo
  readonly nodes: Readonly<Record<NodeId, HistoryNode>>
  readonly blobs: Readonly<Record<BlobHash, BlobMeta>>
  readonly frames: Readonly<Record<FrameId, Frame>>
  readonly jobs: Readonly<Record<JobId, Job>>
  readonly layers: Readonly<Record<NodeId, LayerDocument>>
}

export const DEFAULT_SETTINGS: ProjectSettings = { defaultModel: 'kontext-tiny', steps: 28, guidance: 1 }

export function createEmptyProject(id: string, name: string, at: number): ProjectState {
  return {
    project: { id, name, createdAt: at, modifiedAt: at, settings: DEFAULT_SETTINGS },
    nodes: {},
    blobs: {},
    frames: {},
    jobs: {},
    layers: {},
  }
}

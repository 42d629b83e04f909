/**
 * The project store's interface as the host services use it. One `*.kstudio` SQLite file per
 * project; every `commit` is one transaction. Implementation: ./sqliteProjectStore.ts.
 */
import type { BlobHash, FrameId, NodeId } from '../../core/ids'
import type { HistoryNode, NodeStatus, ProjectState } from '../../core/domain/model'
import type { ProjectDiff } from '../../core/domain/projectDiff'

export interface ProjectStore {
  /** Absolute path of the project file. */
  readonly path: string
  readonly readOnly: boolean
  /** The whole project (without blob bytes). */
  load(): ProjectState
  /**
   * Writes the diff and the bytes of any blob it introduces in one transaction. When this returns,
   * the change is durable.
   */
  commit(diff: ProjectDiff, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): void
  /** The stored bytes of a blob, or null when the project has no such blob. */
  readBlob(hash: BlobHash): Uint8Array | null
  /**
   * Removes trashed nodes for good (with their jobs, layers and frames), then every blob nothing
   * references any more. The caller reloads the state afterwards.
   */
  emptyTrash(): { removedNodes: number; freedBytes: number }
  close(): void
}

/**
 * What the SQLite store offers beyond `ProjectStore` (kept apart so in-memory test stores need not
 * implement it): the UI's indexed queries and the per-blob thumbnail cache.
 */
export interface ProjectQueries {
  /** Direct children in creation order; trashed ones only when asked. */
  childrenOf(id: NodeId, includeDeleted?: boolean): HistoryNode[]
  /** The node and its ancestors, root first. */
  pathToRoot(id: NodeId): HistoryNode[]
  /** Every node from the root to the frame's current node, root first (empty for an unknown frame). */
  frameLineage(frameId: FrameId): HistoryNode[]
  /** Live nodes whose prompt or label contains every word of `text` (word prefixes). */
  searchNodes(text: string, limit?: number): HistoryNode[]
  nodesByStatus(status: NodeStatus, includeDeleted?: boolean): HistoryNode[]
  getThumbnail(hash: BlobHash, size: number): { readonly format: 'png' | 'webp' | 'jpeg'; readonly bytes: Uint8Array } | null
  /** False (nothing stored) when the project has no such blob or is open read-only. */
  putThumbnail(hash: BlobHash, size: number, thumbnail: { readonly format: 'png' | 'webp' | 'jpeg'; readonly bytes: Uint8Array }): boolean
}

/**
 * The project store's interface as the host services use it. One `*.kstudio` SQLite file per
 * project; every `commit` is one transaction. Implementation: ./sqliteProjectStore.ts.
 */
import type { BlobHash } from '../../core/ids'
import type { ProjectState } from '../../core/model'
import type { ProjectDiff } from '../../core/projectDiff'

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

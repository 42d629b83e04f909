/**
 * An in-memory ProjectStore for testing host services apart from SQLite (the real store has its
 * own suite). It applies diffs exactly as the renderer does and keeps blob bytes in a map.
 */
import type { BlobHash } from '../../core/ids'
import { createEmptyProject, type ProjectState } from '../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../core/domain/projectDiff'
import type { ProjectStore } from '../../main/store/projectStore'

export class MemoryProjectStore implements ProjectStore {
  readonly readOnly = false
  private state: ProjectState
  private readonly blobs = new Map<BlobHash, Uint8Array>()

  constructor(readonly path = 'memory.kstudio') {
    this.state = createEmptyProject('test', 'Test project', 0)
  }

  load(): ProjectState {
    return this.state
  }

  commit(diff: ProjectDiff, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): void {
    for (const b of diff.putBlobs ?? []) {
      const bytes = blobBytes?.get(b.hash)
      if (!bytes && !this.blobs.has(b.hash)) throw new Error(`commit without the bytes of ${b.hash}`)
      if (bytes) this.blobs.set(b.hash, bytes)
    }
    this.state = applyDiff(this.state, diff)
  }

  readBlob(hash: BlobHash): Uint8Array | null {
    return this.blobs.get(hash) ?? null
  }

  emptyTrash(): { removedNodes: number; freedBytes: number } {
    const gone = Object.values(this.state.nodes)
      .filter((n) => n.deletedAt !== null)
      .map((n) => n.id)
    this.state = applyDiff(this.state, { removeNodes: gone })
    return { removedNodes: gone.length, freedBytes: 0 }
  }

  close(): void {}
}

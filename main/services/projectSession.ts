/**
 * The open project in the host: the store plus the in-memory state it mirrors. Every change goes
 * through `apply`, which commits the diff in one transaction *before* updating memory and telling
 * the renderers — so what a user sees has always been saved.
 */
import type { BlobHash } from '../../core/ids'
import type { ProjectState } from '../../core/model'
import { applyDiff, isEmptyDiff, type ProjectDiff } from '../../core/projectDiff'
import { StudioError, type Result } from '../../core/result'
import type { ProjectStore } from '../store/projectStore'

export type DiffListener = (diff: ProjectDiff) => void

export class ProjectSession {
  private state: ProjectState
  private readonly listeners = new Set<DiffListener>()

  constructor(readonly store: ProjectStore) {
    this.state = store.load()
  }

  get path(): string {
    return this.store.path
  }

  snapshot(): ProjectState {
    return this.state
  }

  /** Commits a successful action's diff; throws the action's error so the request fails with it. */
  apply(result: Result<ProjectDiff>, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): ProjectDiff {
    if (!result.ok) throw new StudioError(result.error)
    const diff = result.value
    if (isEmptyDiff(diff)) return diff
    this.store.commit(diff, blobBytes)
    this.state = applyDiff(this.state, diff)
    for (const listener of this.listeners) listener(diff)
    return diff
  }

  /** Empties the trash in the store and tells the renderers what disappeared. */
  emptyTrash(): { removedNodes: number; freedBytes: number } {
    const before = this.state
    const result = this.store.emptyTrash()
    this.state = this.store.load()
    const gone = <K extends string>(a: Readonly<Record<K, unknown>>, b: Readonly<Record<K, unknown>>): K[] =>
      (Object.keys(a) as K[]).filter((k) => !(k in b))
    const diff: ProjectDiff = {
      removeNodes: gone(before.nodes, this.state.nodes),
      removeBlobs: gone(before.blobs, this.state.blobs),
      removeFrames: gone(before.frames, this.state.frames),
      removeJobs: gone(before.jobs, this.state.jobs),
    }
    if (!isEmptyDiff(diff)) for (const listener of this.listeners) listener(diff)
    return result
  }

  readBlob(hash: BlobHash): Uint8Array | null {
    return this.store.readBlob(hash)
  }

  onDidChange(listener: DiffListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.listeners.clear()
    this.store.close()
  }
}

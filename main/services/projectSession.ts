/**
 * The open project in the host: the store plus the in-memory state it mirrors. Every change goes
 * through `apply`, which commits the diff in one transaction *before* updating memory and telling
 * the renderers — so what a user sees has always been saved.
 *
 * One exception, for outcomes that must not be lost when the disk is full: `hold` puts a diff in
 * memory (and tells the renderers) before it is written, and keeps it until `flush` can write it.
 * Held diffs are written first, in order, before any later change, so the file never gets a newer
 * change without the older ones.
 */
import type { BlobHash, NodeId } from '../../core/ids'
import type { HistoryNode, ProjectState } from '../../core/domain/model'
import { applyDiff, isEmptyDiff, type ProjectDiff } from '../../core/domain/projectDiff'
import { StudioError, type Result } from '../../core/result'
import type { ProjectAccess } from '../../core/contract/api'
import { planRepair } from '../store/consistency'
import type { ProjectQueries, ProjectStore } from '../store/projectStore'
import { searchTerms } from '../store/queries'

export type DiffListener = (diff: ProjectDiff) => void

/** A store write refused for lack of space or an I/O error: worth retrying once the disk is back. */
export const isStoreWriteError = (caught: unknown): boolean =>
  caught instanceof StudioError && (caught.code === 'store.diskFull' || caught.code === 'store.io')

export class ProjectSession {
  private state: ProjectState
  private readonly listeners = new Set<DiffListener>()
  private readonly held: ProjectDiff[] = []

  /** Set for a read-only project: what is wrong with it (see core/contract/api ProjectAccess). */
  readonly access: ProjectAccess | undefined

  constructor(readonly store: ProjectStore) {
    this.state = store.load()
    if (store.readOnly) {
      // A file opened read-only because it is inconsistent is shown as its repair would make it
      // (in memory only: nothing is written), so a cycle or a missing parent does not hide nodes
      // and a 5 MB instruction does not reach the UI; the problems are said to the user.
      const repair = planRepair(this.state)
      this.state = applyDiff(this.state, repair.diff)
      this.access = { readOnly: true, problems: [...repair.changes, ...repair.unrepairable] }
    }
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
    this.flush()
    this.store.commit(diff, blobBytes)
    this.state = applyDiff(this.state, diff)
    for (const listener of this.listeners) listener(diff)
    return diff
  }

  /**
   * Applies a diff in memory and tells the renderers now; writes it later (`flush`). Only for a
   * diff that introduces no blob bytes (a job's failure), since nothing else is kept for it.
   */
  hold(diff: ProjectDiff): void {
    if (isEmptyDiff(diff)) return
    this.held.push(diff)
    this.state = applyDiff(this.state, diff)
    for (const listener of this.listeners) listener(diff)
  }

  /** Whether changes are in memory that the file does not have yet. */
  get hasUnsaved(): boolean {
    return this.held.length > 0
  }

  /** Writes the held diffs, oldest first; throws the store's error (and keeps the rest) when it cannot. */
  flush(): void {
    while (this.held.length > 0) {
      this.store.commit(this.held[0] as ProjectDiff)
      this.held.shift()
    }
  }

  /** Empties the trash in the store and tells the renderers what disappeared. */
  emptyTrash(): { removedNodes: number; freedBytes: number } {
    this.flush()
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

  /**
   * Nodes whose instruction or name holds every word of `text`: the SQLite store's index (FTS5,
   * ranked) when the store has one; an in-memory store is scanned with the same word rule.
   */
  search(text: string, limit = 100): NodeId[] {
    const store = this.store as ProjectStore & Partial<Pick<ProjectQueries, 'searchNodes'>>
    if (store.searchNodes) return store.searchNodes(text, limit).map((n) => n.id)
    const terms = searchTerms(text)
    if (terms.length === 0) return []
    const words = (n: HistoryNode) => `${n.prompt ?? ''} ${n.label ?? ''}`.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
    return Object.values(this.state.nodes)
      .filter((n) => n.deletedAt === null && terms.every((t) => words(n).some((w) => w.startsWith(t))))
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, limit)
      .map((n) => n.id)
  }

  onDidChange(listener: DiffListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    this.listeners.clear()
    try {
      this.flush()
    } catch {
      // Still no room: the file keeps the job as running, and the next open marks it interrupted.
    }
    this.store.close()
  }
}

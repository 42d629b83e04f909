/**
 * The SQLite project store: one `*.kstudio` file per project (ARCHITECTURE.md §5). Opening
 * checks, locks and migrates the file (connection.ts); every `commit` is one transaction; on open,
 * jobs that were running when the studio died are marked interrupted (core `interruptRunningJobs`).
 */
import { randomUUID } from 'node:crypto'
import { existsSync, rmSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import type { BlobHash, FrameId, NodeId } from '../../core/ids'
import { interruptRunningJobs } from '../../core/domain/jobActions'
import type { HistoryNode, NodeStatus, ProjectState } from '../../core/domain/model'
import { isEmptyDiff, type ProjectDiff } from '../../core/domain/projectDiff'
import { err, ok, StudioError, type Result, type StudioErrorData } from '../../core/result'
import { connect } from './connection'
import { defaultDriver, driverByName, sqliteCode, type DriverName, type SqlDatabase } from './driver'
import { loadState } from './loadState'
import * as queries from './queries'
import { getThumbnail, putThumbnail, type Thumbnail } from './thumbnails'
import type { ProjectQueries, ProjectStore } from './projectStore'
import { storeErrors } from './storeErrors'
import { emptyTrash, type EmptyTrashReport } from './trash'
import { sha256Hex } from '../../engine/hashing'
import { writeDiff } from './writeDiff'

export interface OpenProjectOptions {
  /** Create the project when the path does not exist (never for an existing file, even an empty one). */
  readonly create?: boolean
  /** Open without writing anything; also the way into a project whose startup check failed. */
  readonly readOnly?: boolean
  /** Force a driver (tests run the suite against each); default: node:sqlite, else better-sqlite3. */
  readonly driver?: DriverName
  /** Name of a newly created project (default: the file name without extension). */
  readonly name?: string
  /** Clock for the creation time and for interrupting jobs on open (tests pass a fixed one). */
  readonly now?: () => number
  /** @internal repair.ts opening its fresh copy of an inconsistent project (see ConnectOptions). */
  readonly repairing?: boolean
}

export class SqliteProjectStore implements ProjectStore, ProjectQueries {
  constructor(
    readonly path: string,
    readonly readOnly: boolean,
    /** @internal the connection; queries, trash, thumbnails and backup reach it through here. */
    readonly db: SqlDatabase,
    /** Whether prompt search can use FTS5 on this connection. */
    readonly fts: boolean,
    /** Null when the startup check passed; otherwise what it found (read-only opens only). */
    readonly damage: string | null,
    /** Read-only: remove the reader's -wal/-shm on close when this open made them and the WAL is empty. */
    private readonly ownsSidecars = false,
    /** Where this open kept the file as it was before migrating it (null: no migration). */
    readonly migrationBackup: string | null = null,
  ) {}

  load(): ProjectState {
    return loadState(this.db)
  }

  commit(diff: ProjectDiff, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): void {
    if (this.readOnly) throw new StudioError(storeErrors.readOnly(this.path))
    if (isEmptyDiff(diff)) return
    try {
      this.db.transaction(() => writeDiff({ db: this.db, fts: this.fts }, diff, blobBytes))
    } catch (caught) {
      // The transaction was rolled back: nothing of the diff is in the file.
      if (caught instanceof StudioError) throw caught
      throw new StudioError(writeFailure(this.path, caught))
    }
  }

  /**
   * The bytes of a blob, verified against their sha256 name (the open-time check skips image
   * pages, so this is where damaged image bytes are caught): throws `store.blobDamaged` on a
   * mismatch rather than serve wrong bytes under an immutable URL.
   */
  readBlob(hash: BlobHash): Uint8Array | null {
    const row = this.db.prepare('SELECT bytes FROM blob_data WHERE hash = ?').get(hash)
    if (!row || !(row.bytes instanceof Uint8Array)) return null
    if (sha256Hex(row.bytes) !== hash) throw new StudioError(storeErrors.blobDamaged(this.path, hash))
    return row.bytes
  }

  /** Children of a node in creation order (trashed ones only when asked). */
  childrenOf(id: NodeId, includeDeleted = false): HistoryNode[] {
    return queries.childrenOf(this, id, includeDeleted)
  }

  /** The node and its ancestors, root first. */
  pathToRoot(id: NodeId): HistoryNode[] {
    return queries.pathToRoot(this, id)
  }

  /** Every node from the root to the frame's current node, root first. */
  frameLineage(frameId: FrameId): HistoryNode[] {
    return queries.frameLineage(this, frameId)
  }

  /** Live nodes whose prompt or label contains every word of `text` (FTS5 where available). */
  searchNodes(text: string, limit?: number): HistoryNode[] {
    return queries.searchNodes(this, text, limit)
  }

  nodesByStatus(status: NodeStatus, includeDeleted = false): HistoryNode[] {
    return queries.nodesByStatus(this, status, includeDeleted)
  }

  getThumbnail(hash: BlobHash, size: number): Thumbnail | null {
    return getThumbnail(this.db, hash, size)
  }

  /** Caches a thumbnail the host made; false when the blob is not in the project. */
  putThumbnail(hash: BlobHash, size: number, thumbnail: Thumbnail): boolean {
    if (this.readOnly) return false
    return putThumbnail(this.db, hash, size, thumbnail)
  }

  /** The full `PRAGMA integrity_check` (slower than the quick_check done on open); null when sound. */
  integrityCheck(): string | null {
    const rows = this.db.prepare('PRAGMA integrity_check(5)').all()
    const lines = rows.map((r) => String(Object.values(r)[0]))
    return lines.length === 1 && lines[0] === 'ok' ? null : lines.join('; ')
  }

  /** Removes trashed nodes for good, then the blobs nothing references any more (one transaction). */
  emptyTrash(): EmptyTrashReport {
    return emptyTrash(this)
  }

  close(): void {
    // Closing the writer checkpoints the WAL into the file and removes the -wal file.
    this.db.close()
    if (this.ownsSidecars) removeReaderSidecars(this.path)
  }
}

/**
 * A read-only (WAL) open makes an empty -wal and a -shm beside the project. While any reader is
 * open no writer can get in (it holds a shared lock; writers need the exclusive one), so an empty
 * WAL we created is nobody's data; a non-empty one is left alone.
 */
function removeReaderSidecars(path: string): void {
  try {
    if (statSync(`${path}-wal`).size !== 0) return
  } catch {
    // No -wal: nothing of ours to tidy except perhaps the -shm.
  }
  rmSync(`${path}-wal`, { force: true })
  rmSync(`${path}-shm`, { force: true })
}

function writeFailure(path: string, caught: unknown): StudioErrorData {
  const code = sqliteCode(caught)
  const detail = caught instanceof Error ? caught.message : String(caught)
  if (code === 'SQLITE_FULL') return storeErrors.diskFull(path)
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return storeErrors.corrupt(path, detail)
  return storeErrors.io(path, detail)
}

/** Creates a new project; refuses a path that exists (a New-project dialog must not open an old file). */
export function createProjectStore(
  path: string,
  options: Omit<OpenProjectOptions, 'create' | 'readOnly'> = {},
): Result<SqliteProjectStore> {
  if (existsSync(resolve(path))) return err(storeErrors.alreadyExists(resolve(path)))
  return openProjectStore(path, { ...options, create: true })
}

/** Opens (or, with `create`, creates) a project; expected refusals come back as `Result` errors. */
export function openProjectStore(path: string, options: OpenProjectOptions = {}): Result<SqliteProjectStore> {
  const driver = options.driver ? driverByName(options.driver) : defaultDriver()
  if (!driver) return err(storeErrors.noDriver())
  const now = options.now ?? Date.now
  const absolute = resolve(path)
  const readOnly = options.readOnly === true
  const name = options.name ?? basename(absolute).replace(/\.kstudio$/i, '')
  const opened = connect(driver, absolute, {
    create: options.create === true,
    readOnly,
    repairing: options.repairing === true,
    newProject: { id: randomUUID(), name, at: now() },
  })
  if (!opened.ok) return opened
  const { db, fts, damage, ownsSidecars, migrationBackup } = opened.value
  const store = new SqliteProjectStore(absolute, readOnly, db, fts, damage, ownsSidecars, migrationBackup ?? null)
  if (!readOnly) {
    try {
      rebuildSearchIfStale(store)
      // Jobs survive a restart: running ones are interrupted (offered for re-run), queued ones stay.
      const recovery = interruptRunningJobs(store.load(), now())
      store.commit(recovery)
    } catch (caught) {
      store.close()
      return err(storeErrors.io(absolute, caught instanceof Error ? caught.message : String(caught)))
    }
  }
  return ok(store)
}

function rebuildSearchIfStale(store: SqliteProjectStore): void {
  if (!store.fts) return
  const stale = store.db.prepare(`SELECT value FROM store_meta WHERE key = 'search_stale'`).get()
  if (stale?.value !== '1') return
  store.db.transaction(() => {
    store.db
      .exec(`DELETE FROM nodes_fts; INSERT INTO nodes_fts (rowid, prompt, label) SELECT rowid, coalesce(prompt, ''), coalesce(label, '') FROM nodes;
      DELETE FROM store_meta WHERE key = 'search_stale';`)
  })
}

/**
 * Opening a project file: refuse what is not ours (fileCheck.ts), take the exclusive lock, check
 * integrity, then migrate or create. A refused file is never written: the header is inspected
 * before SQLite sees the file, and nothing is written before every check has passed.
 *
 * Durability choices (ARCHITECTURE.md §5):
 * - journal_mode=WAL: a commit appends to the -wal file, readers never see half a transaction, and
 *   a killed process leaves a WAL that SQLite replays up to the last complete commit on next open.
 * - synchronous=FULL: in WAL mode, NORMAL syncs only at checkpoints, so a power cut can lose the
 *   last commits (no corruption, but lost work); FULL fsyncs the WAL on every commit, which is what
 *   `ProjectStore.commit`'s "durable when it returns" promises. The cost is one fsync per user
 *   action — well under the 10 ms budget on an SSD (see bench/store).
 * - fullfsync / checkpoint_fullfsync: on macOS plain fsync does not reach the platter/flash; no
 *   effect elsewhere.
 * - locking_mode=EXCLUSIVE, chosen over a lock file: the OS releases the lock when the holder dies,
 *   however it dies (SIGKILL, power cut), so a stale lock cannot exist and needs no pid/hostname
 *   guessing (a pid can be reused, and a hostname says nothing on a shared drive). A second opener,
 *   in this process or any other (even the sqlite3 shell), gets SQLITE_BUSY → `project.locked`.
 *   In WAL mode it also means SQLite keeps the wal-index in heap memory, so no -shm file is made.
 *   Trade-off: we cannot name the holder's pid in the message; the message says "another window
 *   or program" instead.
 * - trusted_schema=OFF: project files are shared between people; a crafted file must not run
 *   SQL functions from its schema.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { err, ok, type Result, type StudioErrorData } from '../../core/result'
import { isBusy, sqliteCode, type SqlDatabase, type SqliteDriver } from './driver'
import { checkProjectFile, fsErrorToStoreError } from './fileCheck'
import { APPLICATION_ID, CURRENT_VERSION, createCurrentSchema, hasFts5, migrate } from './schema/migrations'
import { consistencyRefusal } from './consistencyOnOpen'
import { writeMigrationBackup } from './migrationBackup'
import { storeErrors } from './storeErrors'

export interface OpenedConnection {
  readonly db: SqlDatabase
  /** Whether prompt search uses FTS5 on this connection. */
  readonly fts: boolean
  /** Null when the startup check passed; otherwise what quick_check reported (read-only opens only). */
  readonly damage: string | null
  readonly created: boolean
  /** Read-only opens: the -wal/-shm files SQLite makes for a reader did not exist before, so close() may remove them. */
  readonly ownsSidecars: boolean
  /** Where the copy of the file from before its migration was kept (null when none was needed). */
  readonly migrationBackup?: string | null
}

export interface ConnectOptions {
  readonly create: boolean
  readonly readOnly: boolean
  /**
   * Opening a fresh copy made to be repaired (repair.ts): its problems are expected, and its
   * original is the backup, so neither the consistency refusal nor a migration backup applies.
   */
  readonly repairing?: boolean
  /** For a newly created project. */
  readonly newProject?: { readonly id: string; readonly name: string; readonly at: number }
}

const pragmaValue = (db: SqlDatabase, sql: string): unknown => {
  const row = db.prepare(sql).get()
  return row ? Object.values(row)[0] : undefined
}

/** Maps a driver error thrown while opening to a refusal (null when it is not one we expect). */
function openFailure(path: string, caught: unknown): StudioErrorData {
  if (isBusy(caught)) return storeErrors.locked(path)
  const code = sqliteCode(caught)
  const message = caught instanceof Error ? caught.message : String(caught)
  if (code === 'SQLITE_NOTADB') return storeErrors.notSqlite(path)
  if (code === 'SQLITE_CORRUPT') return storeErrors.corrupt(path, message)
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    const errno = (caught as { errno?: unknown }).errno
    return fsErrorToStoreError(path, errno === 13 ? 'EACCES' : undefined, message)
  }
  return storeErrors.io(path, message)
}

function applyConnectionPragmas(db: SqlDatabase, readOnly: boolean): void {
  db.exec('PRAGMA trusted_schema = OFF')
  if (readOnly) {
    // A read-only file descriptor cannot take the write lock that EXCLUSIVE mode needs in WAL
    // (SQLITE_IOERR_LOCK), so a read-only open uses normal shared locks: it still gets
    // `project.locked` while a writer holds the project, and never blocks anyone between reads.
    db.exec('PRAGMA query_only = ON')
    return
  }
  db.exec('PRAGMA locking_mode = EXCLUSIVE')
  db.exec('PRAGMA fullfsync = ON; PRAGMA checkpoint_fullfsync = ON')
}

function createProject(db: SqlDatabase, path: string, project: NonNullable<ConnectOptions['newProject']>, fts: boolean): void {
  // Created in rollback-journal mode first: a crash mid-creation leaves an empty file (refused as
  // `store.empty`), never a half-initialised one that looks like a foreign database.
  db.transaction(() => {
    createCurrentSchema(db, fts)
    db.prepare('INSERT INTO project (id, project_id, name, created_at, modified_at, settings) VALUES (1, ?, ?, ?, ?, ?)').run(
      project.id,
      project.name,
      project.at,
      project.at,
      JSON.stringify({ defaultModel: 'kontext-tiny', steps: 28, guidance: 1 }),
    )
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${CURRENT_VERSION}`)
  })
  void path
}

function finishWritable(db: SqlDatabase): void {
  const mode = pragmaValue(db, 'PRAGMA journal_mode = WAL')
  if (mode !== 'wal') throw new Error(`SQLite refused WAL mode (got ${String(mode)})`)
  // FULL in WAL: see the header comment — every commit is fsynced before commit() returns.
  db.exec('PRAGMA synchronous = FULL')
}

/** Opens (or creates) a project file; every refusal leaves the file's bytes as they were. */
export function connect(driver: SqliteDriver, path: string, options: ConnectOptions): Result<OpenedConnection> {
  const check = checkProjectFile(path)
  if (check.kind === 'refused') return err(check.error)
  if (check.kind === 'missing' && !(options.create && !options.readOnly)) return err(storeErrors.notFound(path))
  const creating = check.kind === 'missing'

  const ownsSidecars = options.readOnly && !existsSync(`${path}-wal`) && !existsSync(`${path}-shm`)
  let db: SqlDatabase
  try {
    if (creating) {
      mkdirSync(dirname(path), { recursive: true })
      // Sidecars without their database (the file was deleted or moved away) belong to no project.
      // SQLite rejects a foreign WAL by its salts, but a stale hot -journal would be rolled back
      // onto the new file; removing all three makes creation depend on neither.
      for (const sidecar of [`${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(sidecar, { force: true })
    }
    db = driver.open(path, { readOnly: options.readOnly, mustExist: !creating })
  } catch (caught) {
    const e = caught as NodeJS.ErrnoException
    return err(
      typeof e.code === 'string' && e.code.startsWith('E') ? fsErrorToStoreError(path, e.code, e.message) : openFailure(path, caught),
    )
  }
  try {
    applyConnectionPragmas(db, options.readOnly)
    const fts = hasFts5(db)
    if (creating) {
      const project = options.newProject ?? { id: 'project', name: 'Untitled', at: Date.now() }
      createProject(db, path, project, fts)
      finishWritable(db)
      return ok({ db, fts, damage: null, created: true, ownsSidecars: false })
    }
    // The first read takes the exclusive lock (or fails with SQLITE_BUSY when someone holds it).
    const appId = Number(pragmaValue(db, 'PRAGMA application_id'))
    const version = Number(pragmaValue(db, 'PRAGMA user_version'))
    // Re-checked through SQLite: a WAL left by a crash may hold a newer header than the file.
    if (appId !== APPLICATION_ID) return refuse(db, storeErrors.foreign(path))
    if (version > CURRENT_VERSION) return refuse(db, storeErrors.newerVersion(path, version, CURRENT_VERSION))
    const damage = startupCheck(db)
    if (damage !== null && !options.readOnly) return refuse(db, storeErrors.corrupt(path, damage))
    if (options.readOnly) return ok({ db, fts: fts && hasSearchTable(db), damage, created: false, ownsSidecars })
    // We hold the exclusive lock, so no other connection is open (a WAL reader holds a shared lock
    // for as long as it is open): a -shm left by an earlier reader is nobody's, and exclusive mode
    // keeps its wal-index in memory, so it would only linger beside the project.
    // An inconsistent project (a parent cycle, a frame on a missing node, …) is refused before
    // anything is written; the caller offers a repaired copy or a read-only open.
    if (version === CURRENT_VERSION && options.repairing !== true) {
      const inconsistent = consistencyRefusal(db, path)
      if (inconsistent) return refuse(db, inconsistent)
    }
    let backup: string | null = null
    if (version < CURRENT_VERSION && options.repairing !== true) {
      try {
        backup = writeMigrationBackup(db, path, version)
      } catch (caught) {
        return refuse(db, storeErrors.backupFailed(path, caught instanceof Error ? caught.message : String(caught)))
      }
    }
    rmSync(`${path}-shm`, { force: true })
    finishWritable(db)
    if (version < CURRENT_VERSION) {
      let inconsistent: StudioErrorData | null = null
      try {
        db.transaction(() => {
          migrate(db, version, fts)
          db.exec(`PRAGMA user_version = ${CURRENT_VERSION}`)
          // Checked inside the migration's transaction: an inconsistent old file rolls back whole.
          inconsistent = options.repairing === true ? null : consistencyRefusal(db, path)
          if (inconsistent) throw new Error('inconsistent')
        })
      } catch (caught) {
        if (inconsistent) return refuse(db, inconsistent)
        throw caught
      }
    }
    return ok({ db, fts: fts && hasSearchTable(db), damage: null, created: false, ownsSidecars: false, migrationBackup: backup })
  } catch (caught) {
    return refuse(db, openFailure(path, caught))
  }
}

function refuse(db: SqlDatabase, error: StudioErrorData): Result<never> {
  try {
    db.close()
  } catch {
    // Closing a connection that failed to open can throw again; the refusal is what matters.
  }
  return err(error)
}

const hasSearchTable = (db: SqlDatabase): boolean =>
  db.prepare(`SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = 'nodes_fts'`).get() !== undefined

/**
 * The check on every open: `PRAGMA quick_check` (b-tree structure, page use and record formats,
 * without integrity_check's index-to-row comparison) over every table *except* the image bytes
 * (`blob_data`) and cached thumbnails. Those are nearly all of the file — checking them would make
 * opening a 5 GB project read 5 GB — and they need no structural check to be trusted: every image
 * is verified against its sha256 name when it is read (readBlob). The full `integrity_check` stays
 * available (`SqliteProjectStore.integrityCheck`), e.g. before an export.
 * Returns null when the file is sound, else what the check reported.
 */
export function startupCheck(db: SqlDatabase): string | null {
  const tables = db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT IN ('blob_data', 'thumbnails')`,
    )
    .all()
    .map((r) => String(r.name))
  const problems: string[] = []
  for (const table of tables) {
    const lines = db
      .prepare(`PRAGMA quick_check("${table.replace(/"/g, '""')}")`)
      .all()
      .map((r) => String(Object.values(r)[0]))
    if (!(lines.length === 1 && lines[0] === 'ok')) problems.push(...lines.slice(0, 5))
  }
  return problems.length === 0 ? null : problems.join('; ')
}

/**
 * Schema versions and forward migrations. Each migration runs inside the opening transaction and
 * is tested from a fixture file of the previous version (test/fixtures/store/).
 */
import type { SqlDatabase } from '../driver'
import { SCHEMA_V1 } from './v1'
import { SCHEMA_V2_FTS, SCHEMA_V2_INDEXES, SCHEMA_V2_TABLES } from './v2'
import { migrateV2toV3 } from './v3'

/** 'KSTD' — written to the header's application_id so a project is told apart from any SQLite file. */
export const APPLICATION_ID = 0x4b535444
export const CURRENT_VERSION = 3

/**
 * Whether this connection's SQLite has FTS5. The compile option answers without writing anything
 * (a read-only, query_only connection can ask too); an FTS5 loaded as an extension would not show
 * there, so a probe in the temp schema is the fallback.
 */
export function hasFts5(db: SqlDatabase): boolean {
  try {
    if (db.prepare(`SELECT sqlite_compileoption_used('ENABLE_FTS5') AS yes`).get()?.yes === 1) return true
    db.exec('CREATE VIRTUAL TABLE temp.kstudio_fts_probe USING fts5(x); DROP TABLE temp.kstudio_fts_probe;')
    return true
  } catch {
    return false
  }
}

/** The v2 schema (what v1 → v2 migrates into). */
function createV2Schema(db: SqlDatabase, fts: boolean): void {
  db.exec(SCHEMA_V2_TABLES)
  db.exec(SCHEMA_V2_INDEXES)
  if (fts) db.exec(SCHEMA_V2_FTS)
  db.prepare(`INSERT INTO store_meta (key, value) VALUES ('search', ?)`).run(fts ? 'fts5' : 'like')
}

/**
 * Creates a fresh current-version project schema (caller holds the transaction): v2 and the later
 * steps, so a new file and a migrated one have the same schema by construction.
 */
export function createCurrentSchema(db: SqlDatabase, fts: boolean): void {
  createV2Schema(db, fts)
  migrateV2toV3(db)
}

/** Creates the v1 skeleton schema: used only by the fixture generator and migration tests. */
export function createV1Schema(db: SqlDatabase): void {
  db.exec(SCHEMA_V1)
}

/** PNG colour types 4 (grey+alpha) and 6 (RGBA) carry alpha; v1 did not record it. */
function pngHasAlpha(bytes: Uint8Array): boolean {
  const isPng = bytes.length > 25 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47
  return isPng && (bytes[25] === 4 || bytes[25] === 6)
}

/** v1 → v2: split blob bytes from metadata, contexts into rows, and add jobs, frames, layers, … */
function migrateV1toV2(db: SqlDatabase, fts: boolean): void {
  db.exec(`
    ALTER TABLE blobs RENAME TO blobs_v1;
    ALTER TABLE nodes RENAME TO nodes_v1;
    DROP INDEX IF EXISTS nodes_parent;
  `)
  createV2Schema(db, fts)
  db.exec(`
    INSERT INTO blobs (hash, width, height, format, byte_size, has_alpha)
      SELECT hash, width, height, format, byte_size, 0 FROM blobs_v1;
    INSERT INTO blob_data (hash, bytes) SELECT hash, bytes FROM blobs_v1;
    INSERT INTO nodes (id, parent_id, kind, prompt, params, result_blob, status, error, created_at, label, starred, finished_at)
      SELECT id, parent_id, kind, prompt, params, result_blob, status, error, created_at, label, starred,
             CASE WHEN status = 'done' THEN created_at END
      FROM nodes_v1 ORDER BY rowid;
    INSERT INTO node_contexts (node_id, position, blob_hash)
      SELECT n.id, CAST(c.key AS INTEGER), c.value FROM nodes_v1 n, json_each(n.context_blobs) c;
  `)
  const setAlpha = db.prepare('UPDATE blobs SET has_alpha = 1 WHERE hash = ?')
  for (const row of db.prepare('SELECT hash, substr(bytes, 1, 32) AS head FROM blobs_v1').all()) {
    if (row.head instanceof Uint8Array && pngHasAlpha(row.head)) setAlpha.run(row.hash as string)
  }
  // v1 had no job rows: a node that was queued or running when v1 closed cannot resume.
  db.exec(`
    UPDATE nodes SET status = 'failed',
      error = '{"code":"job.interrupted","message":"This generation was queued in an older version of the studio.","hint":"Re-run it."}'
      WHERE status IN ('queued', 'running');
    DROP TABLE blobs_v1;
    DROP TABLE nodes_v1;
  `)
  if (fts) db.exec('INSERT INTO nodes_fts (rowid, prompt, label) SELECT rowid, prompt, label FROM nodes')
}

export interface Migration {
  readonly from: number
  readonly to: number
  readonly up: (db: SqlDatabase, fts: boolean) => void
}

export const MIGRATIONS: readonly Migration[] = [
  { from: 1, to: 2, up: migrateV1toV2 },
  { from: 2, to: 3, up: (db) => migrateV2toV3(db) },
]

/** Runs every migration from `version` up to CURRENT_VERSION (caller holds the transaction). */
export function migrate(db: SqlDatabase, version: number, fts: boolean): number {
  let at = version
  while (at < CURRENT_VERSION) {
    const step = MIGRATIONS.find((m) => m.from === at)
    if (!step) throw new Error(`No migration from schema version ${at}`)
    step.up(db, fts)
    at = step.to
  }
  return at
}

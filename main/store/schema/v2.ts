/**
 * Schema version 2 (current): everything the studio persists. The statements below create the
 * tables a fresh project starts with; `migrateV1toV2` in migrations.ts reaches the same shape from
 * a v1 file (a test compares the two schemas).
 *
 * Why the shape is what it is:
 * - Blob bytes live in `blob_data`, apart from `blobs` (metadata): loading a project reads every
 *   `blobs` row, and a column stored after a megabyte of bytes would drag its overflow pages in.
 * - Context images are rows (`node_contexts`), not JSON, so "which nodes use this blob" is an
 *   index lookup for garbage collection.
 * - No SQL foreign keys: a diff removes before it puts (core/domain/projectDiff.ts), and referential rules
 *   (what the trash may delete) are checked by the store in the same transaction.
 */
// `project` is the one table v1 already had in its final shape; IF NOT EXISTS lets the migration
// reuse it (SQLite drops the clause from the stored schema text, so both paths read the same).
export const SCHEMA_V2_TABLES = `
CREATE TABLE IF NOT EXISTS project (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  project_id TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  settings TEXT NOT NULL
);
CREATE TABLE blobs (
  hash TEXT PRIMARY KEY,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  format TEXT NOT NULL,
  byte_size INTEGER NOT NULL,
  has_alpha INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE blob_data (
  hash TEXT PRIMARY KEY,
  bytes BLOB NOT NULL
);
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  parent_id TEXT,
  kind TEXT NOT NULL,
  prompt TEXT,
  params TEXT,
  context_from_parent INTEGER NOT NULL DEFAULT 0,
  result_blob TEXT,
  status TEXT NOT NULL,
  error TEXT,
  queued_at INTEGER,
  started_at INTEGER,
  finished_at INTEGER,
  created_at INTEGER NOT NULL,
  label TEXT,
  starred INTEGER NOT NULL DEFAULT 0,
  deleted_at INTEGER,
  source_name TEXT,
  region_mask_blob TEXT
);
CREATE TABLE node_contexts (
  node_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  blob_hash TEXT NOT NULL,
  PRIMARY KEY (node_id, position)
) WITHOUT ROWID;
CREATE TABLE layer_documents (
  node_id TEXT PRIMARY KEY,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  layers TEXT NOT NULL
);
CREATE TABLE frames (
  id TEXT PRIMARY KEY,
  ord REAL NOT NULL,
  node_id TEXT NOT NULL,
  title TEXT NOT NULL,
  notes TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  candidate_node_id TEXT
);
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  node_id TEXT NOT NULL,
  state TEXT NOT NULL,
  ord REAL NOT NULL,
  step INTEGER NOT NULL,
  total_steps INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  error TEXT
);
CREATE TABLE thumbnails (
  blob_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  format TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (blob_hash, size)
);
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`

/** Indexes for the UI's queries (children, status, lineage) and for garbage collection. */
export const SCHEMA_V2_INDEXES = `
CREATE INDEX IF NOT EXISTS nodes_parent_created ON nodes(parent_id, created_at);
CREATE INDEX IF NOT EXISTS nodes_status ON nodes(status, created_at);
CREATE INDEX IF NOT EXISTS nodes_result ON nodes(result_blob);
CREATE INDEX IF NOT EXISTS nodes_region ON nodes(region_mask_blob);
CREATE INDEX IF NOT EXISTS nodes_deleted ON nodes(deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS node_contexts_blob ON node_contexts(blob_hash);
CREATE INDEX IF NOT EXISTS frames_order ON frames(ord);
CREATE INDEX IF NOT EXISTS frames_node ON frames(node_id);
CREATE INDEX IF NOT EXISTS jobs_state_order ON jobs(state, ord);
CREATE INDEX IF NOT EXISTS jobs_node ON jobs(node_id);
`

/**
 * Prompt search: an FTS5 table keyed by the node's rowid, kept up to date by the store (not by
 * triggers, so a driver whose SQLite lacks FTS5 can still write the project; it marks the index
 * stale and the next FTS5-capable open rebuilds it).
 */
export const SCHEMA_V2_FTS = `CREATE VIRTUAL TABLE IF NOT EXISTS nodes_fts USING fts5(prompt, label)`

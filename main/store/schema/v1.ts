/**
 * Schema version 1: the skeleton's minimal project file (project, blobs with their bytes, nodes).
 * Kept verbatim because migrations start from it and the v1 fixture generator creates it.
 * Never edit a released schema; add a migration instead.
 */
export const SCHEMA_V1 = `
CREATE TABLE project (
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
  bytes BLOB NOT NULL
);
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  parent_id TEXT,
  kind TEXT NOT NULL,
  prompt TEXT,
  params TEXT,
  context_blobs TEXT NOT NULL DEFAULT '[]',
  result_blob TEXT,
  status TEXT NOT NULL,
  error TEXT,
  created_at INTEGER NOT NULL,
  label TEXT,
  starred INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX nodes_parent ON nodes(parent_id);
`

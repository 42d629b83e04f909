/**
 * Writes one ProjectDiff (core/domain/projectDiff.ts) inside the caller's transaction, with the bytes of
 * the blobs it introduces. Removals apply before puts, as in `applyDiff`, so the file and the
 * in-memory mirror agree on every diff.
 */
import { sha256Hex } from '../../engine/hashing'
import type { BlobHash, NodeId } from '../../core/ids'
import type { HistoryNode } from '../../core/domain/model'
import type { ProjectDiff } from '../../core/domain/projectDiff'
import { StudioError } from '../../core/result'
import type { SqlDatabase } from './driver'
import { blobToParams, frameToParams, jobToParams, layersToParams, NODE_COLUMNS, nodeToParams, projectToParams } from './rows'
import { storeErrors } from './storeErrors'

const NODE_UPSERT = `INSERT INTO nodes (${NODE_COLUMNS.join(', ')}) VALUES (${NODE_COLUMNS.map(() => '?').join(', ')})
  ON CONFLICT (id) DO UPDATE SET ${NODE_COLUMNS.slice(1)
    .map((c) => `${c} = excluded.${c}`)
    .join(', ')}`

/** Blobs still referenced by a node (result, context, mask), a layer or a frame's node after the diff. */
const BLOB_REFERENCED = `SELECT 1 AS used WHERE
  EXISTS (SELECT 1 FROM nodes WHERE result_blob = ?) OR EXISTS (SELECT 1 FROM nodes WHERE region_mask_blob = ?)
  OR EXISTS (SELECT 1 FROM node_contexts WHERE blob_hash = ?)
  OR EXISTS (SELECT 1 FROM layer_documents d, json_each(d.layers) l WHERE json_extract(l.value, '$.blob') = ?)`

export interface WriteContext {
  readonly db: SqlDatabase
  /** Whether the FTS5 table is maintained on this connection (else it is marked stale). */
  readonly fts: boolean
}

function putNode(ctx: WriteContext, node: HistoryNode): void {
  const { db } = ctx
  db.prepare(NODE_UPSERT).run(...nodeToParams(node))
  db.prepare('DELETE FROM node_contexts WHERE node_id = ?').run(node.id)
  const ctxInsert = db.prepare('INSERT INTO node_contexts (node_id, position, blob_hash) VALUES (?, ?, ?)')
  node.contextBlobs.forEach((hash, i) => ctxInsert.run(node.id, i, hash))
  if (ctx.fts) {
    const row = db.prepare('SELECT rowid AS r FROM nodes WHERE id = ?').get(node.id)
    const rowid = row?.r ?? null
    db.prepare('DELETE FROM nodes_fts WHERE rowid = ?').run(rowid)
    db.prepare('INSERT INTO nodes_fts (rowid, prompt, label) VALUES (?, ?, ?)').run(rowid, node.prompt ?? '', node.label ?? '')
  }
}

function removeNode(ctx: WriteContext, id: NodeId): void {
  const { db } = ctx
  if (ctx.fts) db.prepare('DELETE FROM nodes_fts WHERE rowid = (SELECT rowid FROM nodes WHERE id = ?)').run(id)
  db.prepare('DELETE FROM node_contexts WHERE node_id = ?').run(id)
  // ProjectDiff has no removeLayers: a node's layer document goes with the node.
  db.prepare('DELETE FROM layer_documents WHERE node_id = ?').run(id)
  db.prepare('DELETE FROM nodes WHERE id = ?').run(id)
}

function putBlob(db: SqlDatabase, meta: Parameters<typeof blobToParams>[0], bytes: Uint8Array | undefined): void {
  const known = db.prepare('SELECT 1 AS present FROM blob_data WHERE hash = ?').get(meta.hash) !== undefined
  if (!known) {
    // Content addressing is only as good as this check: a wrong hash would alias two images.
    if (!bytes) throw new StudioError(storeErrors.blobMissing(meta.hash))
    if (sha256Hex(bytes) !== meta.hash) throw new StudioError(storeErrors.blobMismatch(meta.hash))
    db.prepare('INSERT INTO blob_data (hash, bytes) VALUES (?, ?)').run(meta.hash, bytes)
  }
  db.prepare(
    `INSERT INTO blobs (hash, width, height, format, byte_size, has_alpha) VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (hash) DO UPDATE SET width = excluded.width, height = excluded.height, format = excluded.format,
      byte_size = excluded.byte_size, has_alpha = excluded.has_alpha`,
  ).run(...blobToParams(meta))
}

function removeBlob(db: SqlDatabase, hash: BlobHash): void {
  if (db.prepare(BLOB_REFERENCED).get(hash, hash, hash, hash) !== undefined) throw new StudioError(storeErrors.blobInUse(hash))
  db.prepare('DELETE FROM thumbnails WHERE blob_hash = ?').run(hash)
  db.prepare('DELETE FROM blob_data WHERE hash = ?').run(hash)
  db.prepare('DELETE FROM blobs WHERE hash = ?').run(hash)
}

/** Applies the diff to the open transaction. Throws StudioError (rolling the transaction back) on a bad diff. */
export function writeDiff(ctx: WriteContext, diff: ProjectDiff, blobBytes: ReadonlyMap<BlobHash, Uint8Array> | undefined): void {
  const { db } = ctx
  if (diff.project) {
    db.prepare('UPDATE project SET project_id = ?, name = ?, created_at = ?, modified_at = ?, settings = ? WHERE id = 1').run(
      ...projectToParams(diff.project),
    )
  }
  for (const id of diff.removeFrames ?? []) db.prepare('DELETE FROM frames WHERE id = ?').run(id)
  for (const id of diff.removeJobs ?? []) db.prepare('DELETE FROM jobs WHERE id = ?').run(id)
  for (const id of diff.removeNodes ?? []) removeNode(ctx, id)
  for (const blob of diff.putBlobs ?? []) putBlob(db, blob, blobBytes?.get(blob.hash))
  for (const node of diff.putNodes ?? []) putNode(ctx, node)
  for (const doc of diff.putLayers ?? []) {
    db.prepare(
      `INSERT INTO layer_documents (node_id, width, height, layers) VALUES (?, ?, ?, ?)
      ON CONFLICT (node_id) DO UPDATE SET width = excluded.width, height = excluded.height, layers = excluded.layers`,
    ).run(...layersToParams(doc))
  }
  for (const frame of diff.putFrames ?? []) {
    db.prepare(
      `INSERT INTO frames (id, ord, node_id, title, notes, duration_ms, candidate_node_id) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET ord = excluded.ord, node_id = excluded.node_id, title = excluded.title, notes = excluded.notes,
        duration_ms = excluded.duration_ms, candidate_node_id = excluded.candidate_node_id`,
    ).run(...frameToParams(frame))
  }
  for (const job of diff.putJobs ?? []) {
    db.prepare(
      `INSERT INTO jobs (id, node_id, ord, created_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET node_id = excluded.node_id, ord = excluded.ord, created_at = excluded.created_at`,
    ).run(...jobToParams(job))
  }
  // Blobs go last: a blob removed by this diff must be unreferenced once its nodes are gone.
  for (const hash of diff.removeBlobs ?? []) removeBlob(db, hash)
  if (!ctx.fts && (diff.putNodes?.length ?? 0) + (diff.removeNodes?.length ?? 0) > 0) markSearchStale(db)
}

/** Without FTS5 on this connection an existing search index falls behind; the next FTS5 open rebuilds it. */
function markSearchStale(db: SqlDatabase): void {
  db.prepare(`INSERT INTO store_meta (key, value) VALUES ('search_stale', '1') ON CONFLICT (key) DO UPDATE SET value = '1'`).run()
}

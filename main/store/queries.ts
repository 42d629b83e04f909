/**
 * The queries the UI needs without loading the whole project, each served by an index
 * (schema/v2.ts): children of a node, path to the root, a frame's lineage, prompt search and nodes
 * by status. Deleted (trashed) nodes are left out unless asked for.
 */
import type { BlobHash, FrameId, NodeId } from '../../core/ids'
import type { HistoryNode, NodeStatus } from '../../core/domain/model'
import type { SqlDatabase, SqlRow } from './driver'
import { nodeFromRow } from './rows'

export interface QueryContext {
  readonly db: SqlDatabase
  readonly fts: boolean
}

function toNodes(db: SqlDatabase, rows: readonly SqlRow[]): HistoryNode[] {
  const contexts = db.prepare('SELECT blob_hash FROM node_contexts WHERE node_id = ? ORDER BY position')
  return rows.map((r) =>
    nodeFromRow(
      r,
      contexts.all(r.id ?? null).map((c) => String(c.blob_hash) as BlobHash),
    ),
  )
}

const live = (includeDeleted: boolean): string => (includeDeleted ? '' : 'AND deleted_at IS NULL')

/** Direct children in creation order (index nodes_parent_created). */
export function childrenOf(q: QueryContext, id: NodeId, includeDeleted = false): HistoryNode[] {
  return toNodes(q.db, q.db.prepare(`SELECT * FROM nodes WHERE parent_id = ? ${live(includeDeleted)} ORDER BY created_at, id`).all(id))
}

const PATH_TO_ROOT = `
  WITH RECURSIVE chain(id, depth) AS (
    SELECT ?, 0
    UNION ALL
    SELECT n.parent_id, chain.depth + 1 FROM nodes n JOIN chain ON n.id = chain.id
    WHERE n.parent_id IS NOT NULL AND chain.depth < 100000
  )
  SELECT n.* FROM chain JOIN nodes n ON n.id = chain.id ORDER BY chain.depth DESC`

/** The node and its ancestors, root first (one recursive CTE; primary-key lookups per step). */
export function pathToRoot(q: QueryContext, id: NodeId): HistoryNode[] {
  return toNodes(q.db, q.db.prepare(PATH_TO_ROOT).all(id))
}

/**
 * A frame's lineage: every node from the root to the frame's current node — the chain of edits
 * that produced the frame's image — root first. Empty when the frame does not exist.
 */
export function frameLineage(q: QueryContext, frameId: FrameId): HistoryNode[] {
  const frame = q.db.prepare('SELECT node_id FROM frames WHERE id = ?').get(frameId)
  return frame ? pathToRoot(q, String(frame.node_id) as NodeId) : []
}

/** Nodes in a status, oldest first (index nodes_status) — e.g. the failed ones for a retry list. */
export function nodesByStatus(q: QueryContext, status: NodeStatus, includeDeleted = false): HistoryNode[] {
  return toNodes(q.db, q.db.prepare(`SELECT * FROM nodes WHERE status = ? ${live(includeDeleted)} ORDER BY created_at, id`).all(status))
}

/** Words of a search, lower-cased; punctuation and FTS5 syntax characters are dropped. */
export function searchTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16)
}

/**
 * Nodes whose prompt or label contains every word of `text` (word prefixes: "bott" finds
 * "bottle"). FTS5 when this connection's SQLite has it; otherwise a LIKE scan — an index cannot
 * serve `LIKE '%word%'`, so the fallback is linear in the number of nodes (fine for thousands).
 */
export function searchNodes(q: QueryContext, text: string, limit = 100): HistoryNode[] {
  const terms = searchTerms(text)
  if (terms.length === 0) return []
  if (q.fts) {
    const match = terms.map((t) => `"${t}"*`).join(' ')
    const rows = q.db
      .prepare(
        `SELECT n.* FROM nodes_fts f JOIN nodes n ON n.rowid = f.rowid WHERE nodes_fts MATCH ? AND n.deleted_at IS NULL ORDER BY f.rank LIMIT ?`,
      )
      .all(match, limit)
    return toNodes(q.db, rows)
  }
  const where = terms
    .map(() => `(lower(coalesce(prompt, '')) LIKE ? ESCAPE '\\' OR lower(coalesce(label, '')) LIKE ? ESCAPE '\\')`)
    .join(' AND ')
  const params = terms.flatMap((t) => [`%${t}%`, `%${t}%`])
  return toNodes(
    q.db,
    q.db.prepare(`SELECT * FROM nodes WHERE ${where} AND deleted_at IS NULL ORDER BY created_at DESC LIMIT ?`).all(...params, limit),
  )
}

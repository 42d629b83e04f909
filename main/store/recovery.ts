/**
 * The way out of a damaged project: open it read-only (the startup check reports the damage) and
 * export what is still readable — nodes and blobs first, then frames, jobs and layers — into a new
 * project. Every row is read on its own so one bad page costs the rows on it, not the whole table;
 * a blob is kept only when its bytes still hash to its name.
 */
import { existsSync } from 'node:fs'
import type { BlobHash, NodeId } from '../../core/ids'
import type { BlobMeta, Frame, HistoryNode, Job, LayerDocument } from '../../core/domain/model'
import { err, ok, studioError, type Result } from '../../core/result'
import type { SqlDatabase, SqlRow } from './driver'
import { blobFromRow, frameFromRow, jobFromRow, layersFromRow, nodeFromRow, projectFromRow } from './rows'
import { openProjectStore, type SqliteProjectStore } from './sqliteProjectStore'
import { storeErrors } from './storeErrors'
import { sha256Hex } from '../../engine/hashing'

export interface RecoveryReport {
  readonly path: string
  readonly nodes: number
  readonly blobs: number
  readonly lostNodes: number
  readonly lostBlobs: number
}

/** Reads a table row by row by rowid, skipping rows that cannot be read. */
function readableRows(db: SqlDatabase, table: string): { rows: SqlRow[]; lost: number } {
  try {
    // NOT INDEXED: a damaged index must not hide rows that the table itself still holds.
    return { rows: db.prepare(`SELECT * FROM ${table} NOT INDEXED`).all(), lost: 0 }
  } catch {
    // The table b-tree itself is damaged: probe rowids one by one up to the largest we can learn
    // (node_contexts, WITHOUT ROWID, has no rowids to probe and yields nothing here).
  }
  let max = 0
  try {
    max = Number(db.prepare(`SELECT max(rowid) AS m FROM ${table}`).get()?.m ?? 0)
  } catch {
    max = 100_000
  }
  const rows: SqlRow[] = []
  let lost = 0
  let one: ReturnType<SqlDatabase['prepare']>
  try {
    one = db.prepare(`SELECT * FROM ${table} WHERE rowid = ?`)
  } catch {
    return { rows: [], lost: 1 }
  }
  for (let id = 1; id <= max; id++) {
    try {
      const row = one.get(id)
      if (row) rows.push(row)
    } catch {
      lost++
    }
  }
  return { rows, lost }
}

const lostImage = studioError(
  'store.recoveredWithoutImage',
  'This node’s image could not be recovered from the damaged project.',
  'Re-run it.',
)

/** Exports what is readable from `source` (opened read-only) into a new project at `destination`. */
export function exportReadable(source: SqliteProjectStore, destination: string, now: () => number = Date.now): Result<RecoveryReport> {
  const { db } = source
  // A recovery never writes into an existing file, not even an empty project.
  if (existsSync(destination)) return err(storeErrors.alreadyExists(destination))
  const target = openProjectStore(destination, { create: true, driver: db.driver, now })
  if (!target.ok) return target
  const out = target.value
  try {
    // 1. Blobs whose bytes still match their hash, one transaction each (memory stays bounded).
    const metas = readableRows(db, 'blobs')
    const kept = new Set<BlobHash>()
    let lostBlobs = metas.lost
    for (const row of metas.rows) {
      let meta: BlobMeta
      let bytes: Uint8Array | null = null
      try {
        meta = blobFromRow(row)
        const stored = db.prepare('SELECT bytes FROM blob_data WHERE hash = ?').get(meta.hash)?.bytes
        bytes = stored instanceof Uint8Array ? stored : null
      } catch {
        lostBlobs++
        continue
      }
      if (!bytes || sha256Hex(bytes) !== meta.hash) {
        lostBlobs++
        continue
      }
      out.commit({ putBlobs: [meta] }, new Map([[meta.hash, bytes]]))
      kept.add(meta.hash)
    }

    // 2. Nodes; references to lost images are dropped and the node says so.
    const contexts = readableRows(db, 'node_contexts')
    const byNode = new Map<string, { position: number; hash: BlobHash }[]>()
    for (const r of contexts.rows) {
      const list = byNode.get(String(r.node_id)) ?? []
      list.push({ position: Number(r.position), hash: String(r.blob_hash) as BlobHash })
      byNode.set(String(r.node_id), list)
    }
    const nodeRows = readableRows(db, 'nodes')
    const nodes: HistoryNode[] = []
    let lostNodes = nodeRows.lost
    for (const row of nodeRows.rows) {
      try {
        const ctx = (byNode.get(String(row.id)) ?? []).sort((a, b) => a.position - b.position).map((c) => c.hash)
        const node = nodeFromRow(
          row,
          ctx.filter((h) => kept.has(h)),
        )
        const resultLost = node.resultBlob !== null && !kept.has(node.resultBlob)
        const maskLost = node.region !== null && !kept.has(node.region.maskBlob)
        nodes.push({
          ...node,
          resultBlob: resultLost ? null : node.resultBlob,
          region: maskLost ? null : node.region,
          ...(resultLost ? { status: 'failed' as const, error: lostImage } : {}),
        })
      } catch {
        lostNodes++
      }
    }
    const ids = new Set<NodeId>(nodes.map((n) => n.id))

    // 3. The rest, best effort; anything pointing at a lost node is left behind.
    const rowsOf = <T>(table: string, map: (r: SqlRow) => T): T[] =>
      readableRows(db, table).rows.flatMap((r) => {
        try {
          return [map(r)]
        } catch {
          return []
        }
      })
    const frames = rowsOf<Frame>('frames', frameFromRow)
      .filter((f) => ids.has(f.nodeId))
      .map((f) => (f.candidateNodeId !== null && !ids.has(f.candidateNodeId) ? { ...f, candidateNodeId: null } : f))
    const jobs = rowsOf<Job>('jobs', jobFromRow).filter((j) => ids.has(j.nodeId))
    const layers = rowsOf<LayerDocument>('layer_documents', layersFromRow).filter((d) => ids.has(d.nodeId))
    const project = rowsOf('project', projectFromRow)[0]
    const fresh = out.load().project
    out.commit({
      project: project ? { ...project, id: fresh.id, name: `${project.name} (recovered)`, modifiedAt: now() } : fresh,
      putNodes: nodes,
      putFrames: frames,
      putJobs: jobs,
      putLayers: layers,
    })
    const report: RecoveryReport = { path: out.path, nodes: nodes.length, blobs: kept.size, lostNodes, lostBlobs }
    out.close()
    return ok(report)
  } catch (caught) {
    out.close()
    return err(storeErrors.io(destination, caught instanceof Error ? caught.message : String(caught)))
  }
}

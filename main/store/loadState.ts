/** Reads a whole project (metadata only — blob bytes stay on disk until asked for). */
import type { BlobHash, FrameId, JobId, NodeId } from '../../core/ids'
import type { BlobMeta, Frame, HistoryNode, Job, LayerDocument, ProjectState } from '../../core/domain/model'
import type { SqlDatabase } from './driver'
import { blobFromRow, frameFromRow, jobFromRow, layersFromRow, nodeFromRow, projectFromRow } from './rows'

export function loadState(db: SqlDatabase): ProjectState {
  const projectRow = db.prepare('SELECT * FROM project WHERE id = 1').get()
  if (!projectRow) throw new Error('The project row is missing')

  const contexts = new Map<string, BlobHash[]>()
  for (const r of db.prepare('SELECT node_id, blob_hash FROM node_contexts ORDER BY node_id, position').all()) {
    const id = String(r.node_id)
    const list = contexts.get(id) ?? []
    list.push(String(r.blob_hash) as BlobHash)
    contexts.set(id, list)
  }
  const nodes: Record<NodeId, HistoryNode> = {}
  for (const r of db.prepare('SELECT * FROM nodes ORDER BY created_at, id').all()) {
    const node = nodeFromRow(r, contexts.get(String(r.id)) ?? [])
    nodes[node.id] = node
  }
  const blobs: Record<BlobHash, BlobMeta> = {}
  for (const r of db.prepare('SELECT hash, width, height, format, byte_size, has_alpha FROM blobs').all()) {
    const blob = blobFromRow(r)
    blobs[blob.hash] = blob
  }
  const frames: Record<FrameId, Frame> = {}
  for (const r of db.prepare('SELECT * FROM frames ORDER BY ord').all()) {
    const frame = frameFromRow(r)
    frames[frame.id] = frame
  }
  const jobs: Record<JobId, Job> = {}
  for (const r of db.prepare('SELECT * FROM jobs ORDER BY ord').all()) {
    const job = jobFromRow(r)
    jobs[job.id] = job
  }
  const layers: Record<NodeId, LayerDocument> = {}
  for (const r of db.prepare('SELECT * FROM layer_documents').all()) {
    const doc = layersFromRow(r)
    layers[doc.nodeId] = doc
  }
  return { project: projectFromRow(projectRow), nodes, blobs, frames, jobs, layers }
}

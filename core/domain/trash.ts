/**
 * Emptying the trash as a pure plan: which trashed nodes go for good (with their jobs and frames)
 * and which blobs nothing references afterwards. The store commits the plan in one transaction.
 */
import type { BlobHash, NodeId } from '../ids'
import type { Frame, HistoryNode, LayerDocument, ProjectState } from './model'
import type { ProjectDiff } from './projectDiff'

/** Every blob a node, its layers or its region mask uses. */
export function blobsOfNode(node: HistoryNode, layers: LayerDocument | undefined): BlobHash[] {
  const out: BlobHash[] = [...node.contextBlobs]
  if (node.resultBlob !== null) out.push(node.resultBlob)
  if (node.region) out.push(node.region.maskBlob)
  for (const layer of layers?.layers ?? []) if (layer.kind !== 'text' && layer.blob !== null) out.push(layer.blob)
  return out
}

/**
 * Trashed nodes that can be removed: a trashed node stays while a live node still descends from
 * it (a child restored on its own keeps its ancestors) or while its job is running.
 */
export function removableNodes(state: ProjectState): Set<NodeId> {
  const keep = new Set<NodeId>()
  for (const node of Object.values(state.nodes)) {
    if (node.deletedAt !== null) continue
    let parent = node.parentId === null ? undefined : state.nodes[node.parentId]
    while (parent && !keep.has(parent.id)) {
      keep.add(parent.id)
      parent = parent.parentId === null ? undefined : state.nodes[parent.parentId]
    }
  }
  for (const node of Object.values(state.nodes)) if (node.status === 'running') keep.add(node.id)
  return new Set(
    Object.values(state.nodes)
      .filter((n) => n.deletedAt !== null && !keep.has(n.id))
      .map((n) => n.id),
  )
}

/** The diff that empties the trash. Layer documents of removed nodes go with their nodes. */
export function planEmptyTrash(state: ProjectState): ProjectDiff {
  const gone = removableNodes(state)
  const used = new Set<BlobHash>()
  for (const node of Object.values(state.nodes)) {
    if (!gone.has(node.id)) for (const hash of blobsOfNode(node, state.layers[node.id])) used.add(hash)
  }
  const frames = Object.values(state.frames)
  const putFrames: Frame[] = frames
    .filter((f) => !gone.has(f.nodeId) && f.candidateNodeId !== null && gone.has(f.candidateNodeId))
    .map((f) => ({ ...f, candidateNodeId: null }))
  return {
    removeNodes: [...gone],
    removeJobs: Object.values(state.jobs)
      .filter((j) => gone.has(j.nodeId))
      .map((j) => j.id),
    removeFrames: frames.filter((f) => gone.has(f.nodeId)).map((f) => f.id),
    putFrames,
    removeBlobs: (Object.keys(state.blobs) as BlobHash[]).filter((hash) => !used.has(hash)),
  }
}

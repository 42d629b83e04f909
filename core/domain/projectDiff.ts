/**
 * A change to a project as data (tldraw's RecordsDiff idea): records put (inserted or replaced)
 * and ids removed. The host writes one diff per transaction; the renderer applies the same diff
 * to its mirror. Blobs are only ever added here — they are collected when the trash is emptied.
 */
import type { BlobHash, FrameId, JobId, NodeId } from '../ids'
import type { BlobMeta, Frame, HistoryNode, Job, LayerDocument, ProjectInfo, ProjectState } from './model'

export interface ProjectDiff {
  readonly project?: ProjectInfo
  readonly putNodes?: readonly HistoryNode[]
  readonly removeNodes?: readonly NodeId[]
  readonly putBlobs?: readonly BlobMeta[]
  readonly removeBlobs?: readonly BlobHash[]
  readonly putFrames?: readonly Frame[]
  readonly removeFrames?: readonly FrameId[]
  readonly putJobs?: readonly Job[]
  readonly removeJobs?: readonly JobId[]
  readonly putLayers?: readonly LayerDocument[]
}

export const isEmptyDiff = (d: ProjectDiff): boolean =>
  d.project === undefined &&
  [d.putNodes, d.removeNodes, d.putBlobs, d.removeBlobs, d.putFrames, d.removeFrames, d.putJobs, d.removeJobs, d.putLayers].every(
    (list) => list === undefined || list.length === 0,
  )

function putAll<K extends string, V>(
  table: Readonly<Record<K, V>>,
  put: readonly V[] | undefined,
  remove: readonly K[] | undefined,
  key: (v: V) => K,
): Readonly<Record<K, V>> {
  if ((put === undefined || put.length === 0) && (remove === undefined || remove.length === 0)) return table
  const next = { ...table } as Record<K, V>
  for (const id of remove ?? []) delete next[id]
  for (const value of put ?? []) next[key(value)] = value
  return next
}

/** Pure: the state after the diff. Removals apply before puts. */
export function applyDiff(state: ProjectState, diff: ProjectDiff): ProjectState {
  return {
    project: diff.project ?? state.project,
    nodes: putAll(state.nodes, diff.putNodes, diff.removeNodes, (n) => n.id),
    blobs: putAll(state.blobs, diff.putBlobs, diff.removeBlobs, (b) => b.hash),
    frames: putAll(state.frames, diff.putFrames, diff.removeFrames, (f) => f.id),
    jobs: putAll(state.jobs, diff.putJobs, diff.removeJobs, (j) => j.id),
    // A node's layer document goes with the node (the store deletes it in the same transaction).
    layers: putAll(
      state.layers,
      diff.putLayers,
      diff.removeNodes?.filter((id) => id in state.layers),
      (l) => l.nodeId,
    ),
  }
}

/** Concatenates diffs applied in sequence into one (later puts win). */
export function mergeDiffs(...diffs: readonly ProjectDiff[]): ProjectDiff {
  const out: {
    project?: ProjectInfo
    putNodes: HistoryNode[]
    removeNodes: NodeId[]
    putBlobs: BlobMeta[]
    removeBlobs: BlobHash[]
    putFrames: Frame[]
    removeFrames: FrameId[]
    putJobs: Job[]
    removeJobs: JobId[]
    putLayers: LayerDocument[]
  } = {
    putNodes: [],
    removeNodes: [],
    putBlobs: [],
    removeBlobs: [],
    putFrames: [],
    removeFrames: [],
    putJobs: [],
    removeJobs: [],
    putLayers: [],
  }
  for (const d of diffs) {
    if (d.project) out.project = d.project
    out.putNodes.push(...(d.putNodes ?? []))
    out.removeNodes.push(...(d.removeNodes ?? []))
    out.putBlobs.push(...(d.putBlobs ?? []))
    out.removeBlobs.push(...(d.removeBlobs ?? []))
    out.putFrames.push(...(d.putFrames ?? []))
    out.removeFrames.push(...(d.removeFrames ?? []))
    out.putJobs.push(...(d.putJobs ?? []))
    out.removeJobs.push(...(d.removeJobs ?? []))
    out.putLayers.push(...(d.putLayers ?? []))
  }
  return out
}

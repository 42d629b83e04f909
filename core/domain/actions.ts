/**
 * User actions as pure functions `(state, input) → ProjectDiff`. Ids and clocks are passed in,
 * never read, so the same action gives the same diff in the host, the renderer and the tests.
 * Expected failures (unknown node, wrong state) are returned as `Result` errors.
 */
import type { FrameId, NodeId } from '../ids'
import type { BlobMeta, Frame, HistoryNode, ProjectState } from './model'
import type { ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result } from '../result'
import { baseNode, missingNode, touch } from './nodeFactory'
import { subtree } from './historyTree'

export * from './jobActions'

/** An imported photo becomes a root node (or a child of `parentId`) whose result is the blob. */
export function importImage(
  state: ProjectState,
  input: { id: NodeId; blob: BlobMeta; sourceName: string; at: number; parentId?: NodeId | null },
): Result<ProjectDiff> {
  const parentId = input.parentId ?? null
  if (parentId !== null && !state.nodes[parentId]) return err(missingNode(parentId))
  const node: HistoryNode = {
    ...baseNode(input.id, parentId, 'import', input.at),
    resultBlob: input.blob.hash,
    sourceName: input.sourceName,
    timings: { finishedAt: input.at },
  }
  return ok({ project: touch(state, input.at), putNodes: [node], putBlobs: state.blobs[input.blob.hash] ? [] : [input.blob] })
}

export function setNodeLabel(state: ProjectState, input: { nodeId: NodeId; label: string | null; at: number }): Result<ProjectDiff> {
  const node = state.nodes[input.nodeId]
  if (!node) return err(missingNode(input.nodeId))
  const label = input.label?.trim() ? input.label.trim().slice(0, 200) : null
  return ok({ project: touch(state, input.at), putNodes: [{ ...node, label }] })
}

export function setNodeStarred(state: ProjectState, input: { nodeId: NodeId; starred: boolean; at: number }): Result<ProjectDiff> {
  const node = state.nodes[input.nodeId]
  if (!node) return err(missingNode(input.nodeId))
  return ok({ project: touch(state, input.at), putNodes: [{ ...node, starred: input.starred }] })
}

/** Moves a node and its whole branch to the trash (recoverable until the trash is emptied). */
export function trashBranch(state: ProjectState, input: { nodeId: NodeId; at: number }): Result<ProjectDiff> {
  if (!state.nodes[input.nodeId]) return err(missingNode(input.nodeId))
  const branch = subtree(state.nodes, input.nodeId).filter((n) => n.deletedAt === null)
  return ok({ project: touch(state, input.at), putNodes: branch.map((n) => ({ ...n, deletedAt: input.at })) })
}

/** Restores a trashed branch (the nodes trashed together with it). */
export function restoreBranch(state: ProjectState, input: { nodeId: NodeId; at: number }): Result<ProjectDiff> {
  const node = state.nodes[input.nodeId]
  if (!node) return err(missingNode(input.nodeId))
  if (node.deletedAt === null) return ok({})
  const stamp = node.deletedAt
  const branch = subtree(state.nodes, input.nodeId).filter((n) => n.deletedAt === stamp)
  return ok({ project: touch(state, input.at), putNodes: branch.map((n) => ({ ...n, deletedAt: null })) })
}

export function addFrame(
  state: ProjectState,
  input: { frameId: FrameId; nodeId: NodeId; title: string; at: number; durationMs?: number },
): Result<ProjectDiff> {
  if (!state.nodes[input.nodeId]) return err(missingNode(input.nodeId))
  const last = Object.values(state.frames).reduce((max, f) => Math.max(max, f.order), 0)
  const frame: Frame = {
    id: input.frameId,
    order: last + 1,
    nodeId: input.nodeId,
    title: input.title,
    notes: '',
    durationMs: input.durationMs ?? 2000,
    candidateNodeId: null,
  }
  return ok({ project: touch(state, input.at), putFrames: [frame] })
}

/** Changes the project's defaults for new generations (model, steps, guidance) and its name. */
export function updateProject(
  state: ProjectState,
  input: { name?: string; defaultModel?: string; steps?: number; guidance?: number; at: number },
): Result<ProjectDiff> {
  const name = input.name?.trim()
  if (input.name !== undefined && !name) return err(studioError('project.name', 'A project needs a name.'))
  const settings = {
    ...state.project.settings,
    ...(input.defaultModel !== undefined ? { defaultModel: input.defaultModel } : {}),
    ...(input.steps !== undefined ? { steps: input.steps } : {}),
    ...(input.guidance !== undefined ? { guidance: input.guidance } : {}),
  }
  return ok({ project: { ...state.project, name: name ?? state.project.name, settings, modifiedAt: input.at } })
}

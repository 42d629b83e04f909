/**
 * Pausing a batch, and keeping the studio's own queue off the jobs it must not run. The state
 * lives on the roots' labels (core/domain/batch.ts), so a paused batch is still paused after a restart.
 */
import { batchRootLabel, parseBatchLabel } from './batch'
import type { JobId, NodeId } from '../ids'
import type { HistoryNode, ProjectState } from './model'
import type { ProjectDiff } from './projectDiff'
import { studioError, type Result, err, ok } from '../result'

const roots = (state: ProjectState, batchId: string): HistoryNode[] =>
  Object.values(state.nodes).filter((n) => n.parentId === null && n.deletedAt === null && parseBatchLabel(n.label)?.batchId === batchId)

/** Whether the batch is paused, and whether it runs on Redis workers; null when there is no such batch. */
export function batchMode(state: ProjectState, batchId: string): { readonly paused: boolean; readonly workers: boolean } | null {
  const labels = roots(state, batchId).map((n) => parseBatchLabel(n.label))
  if (labels.length === 0) return null
  return { paused: labels.some((l) => l?.paused), workers: labels.some((l) => l?.workers) }
}

/** Relabels every root of the batch as paused or not. */
export function setBatchPaused(state: ProjectState, input: { batchId: string; paused: boolean; at: number }): Result<ProjectDiff> {
  const all = roots(state, input.batchId)
  if (all.length === 0) return err(studioError('batch.notFound', 'There is no such batch in this project.'))
  const putNodes = all.flatMap((n) => {
    const l = parseBatchLabel(n.label)
    if (!l || l.paused === input.paused) return []
    return [{ ...n, label: batchRootLabel(l.fileName, l.batchId, { workers: l.workers, paused: input.paused }) }]
  })
  if (putNodes.length === 0) return ok({})
  return ok({ project: { ...state.project, modifiedAt: input.at }, putNodes })
}

/**
 * Queued jobs the studio's queue must leave alone: those under a paused batch's photos (they wait
 * for resume) and under a batch that runs on Redis workers (their results arrive from there).
 */
export function heldJobIds(state: ProjectState): Set<JobId> {
  const held = new Set<NodeId>()
  for (const n of Object.values(state.nodes)) {
    const l = n.parentId === null ? parseBatchLabel(n.label) : null
    if (l && (l.paused || l.workers)) held.add(n.id)
  }
  const out = new Set<JobId>()
  if (held.size === 0) return out
  for (const j of Object.values(state.jobs)) {
    const node = state.nodes[j.nodeId]
    if (node?.status === 'queued' && node.parentId && held.has(node.parentId)) out.add(j.id)
  }
  return out
}

/** The project as the studio's queue should see it: held jobs left out (pure; for `nextRunnableJob`). */
export function withoutHeldJobs(state: ProjectState): ProjectState {
  const held = heldJobIds(state)
  if (held.size === 0) return state
  return { ...state, jobs: Object.fromEntries(Object.entries(state.jobs).filter(([id]) => !held.has(id as JobId))) }
}

/**
 * The queue read from the project: the queued nodes in job order, whether one can start now, and
 * which queued nodes wait on a node's result. Pure selectors; the changes are in jobActions.ts.
 */
import type { BlobHash, NodeId } from '../ids'
import type { HistoryNode, Job, ProjectState } from './model'
import { missingNode } from './nodeFactory'
import { studioError, type StudioErrorData } from '../result'

const byOrder = (a: Job, b: Job): number => a.order - b.order || a.createdAt - b.createdAt

/** The jobs whose nodes are queued, next first. */
export function queuedJobs(state: ProjectState): Job[] {
  return Object.values(state.jobs)
    .filter((j) => state.nodes[j.nodeId]?.status === 'queued')
    .sort(byOrder)
}

/** The queue as the designer sees it: queued node ids, the one that runs next first. */
export function queuedNodeIds(state: ProjectState): NodeId[] {
  return queuedJobs(state).map((j) => j.nodeId)
}

/** The order a job put at the end of the queue gets. */
export function endOfQueue(state: ProjectState): number {
  return queuedJobs(state).reduce((max, j) => Math.max(max, j.order), 0) + 1
}

/** The job that fills `nodeId` (host side: the renderer addresses the queue by node id). */
export function jobOfNode(state: ProjectState, nodeId: NodeId): Job | null {
  return Object.values(state.jobs).find((j) => j.nodeId === nodeId) ?? null
}

export type JobReadiness =
  | { readonly kind: 'ready'; readonly parentResult: BlobHash | null }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'blocked'; readonly error: StudioErrorData }

/**
 * Whether a queued node can start now. One that takes its parent's result waits while the parent
 * is queued or running, and also while it is cancelled: cancelling a parent and keeping its
 * children means they run once the parent is retried. A parent that failed blocks it (with why).
 */
export function jobReadiness(state: ProjectState, node: HistoryNode): JobReadiness {
  if (!node.contextFromParent) return { kind: 'ready', parentResult: null }
  const parent = node.parentId === null ? undefined : state.nodes[node.parentId]
  if (!parent) return { kind: 'blocked', error: missingNode(node.parentId ?? ('' as NodeId)) }
  if (parent.status === 'done' && parent.resultBlob !== null) return { kind: 'ready', parentResult: parent.resultBlob }
  if (parent.status === 'queued' || parent.status === 'running' || parent.status === 'cancelled') return { kind: 'waiting' }
  return {
    kind: 'blocked',
    error: studioError('job.parentFailed', 'The node this edit builds on did not finish.', 'Re-run the parent first, then this node.'),
  }
}

/** The next job to run: the first queued one, in queue order, that is not waiting on a parent. */
export function nextRunnableJob(state: ProjectState): { job: Job; readiness: JobReadiness } | null {
  for (const job of queuedJobs(state)) {
    const node = state.nodes[job.nodeId] as HistoryNode
    const readiness = jobReadiness(state, node)
    if (readiness.kind !== 'waiting') return { job, readiness }
  }
  return null
}

/**
 * The queued nodes that wait on `nodeId`'s result, children and their waiting children in turn:
 * what cancelling `nodeId` would leave without a context.
 */
export function waitingDescendants(state: ProjectState, nodeId: NodeId): NodeId[] {
  const out: NodeId[] = []
  const nodes = Object.values(state.nodes)
  let frontier = [nodeId]
  while (frontier.length > 0) {
    const parents = new Set(frontier)
    frontier = nodes
      .filter((n) => n.parentId !== null && parents.has(n.parentId) && n.status === 'queued' && n.contextFromParent)
      .map((n) => n.id)
    out.push(...frontier)
  }
  return out
}

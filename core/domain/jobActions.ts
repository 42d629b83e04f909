/**
 * Generation jobs as pure functions: queue a node and its job, start it (resolving a context
 * deferred to the parent), settle it, cancel it (with the children that wait on it, if asked),
 * retry it, and recover after a crash. The node's status is the job's state; a job row only
 * holds the node's place in the queue.
 */
import type { BlobHash, JobId, NodeId } from '../ids'
import type { BlobMeta, GenerationParams, HistoryNode, Job, NodeKind, NodeTimings, ProjectState, RegionSpec } from './model'
import type { ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result, type StudioErrorData } from '../result'
import { baseNode, missingNode, touch } from './nodeFactory'
import { endOfQueue, jobReadiness, queuedJobs, waitingDescendants } from './queue'

export * from './queue'

export interface GenerationInput {
  readonly nodeId: NodeId
  readonly jobId: JobId
  readonly parentId: NodeId | null
  readonly prompt: string
  readonly params: GenerationParams
  /** Context images in order; empty for text-to-image. */
  readonly contextBlobs: readonly BlobHash[]
  /** Blobs first stored by this action (a flattened composite, a mask). */
  readonly newBlobs?: readonly BlobMeta[]
  readonly region?: RegionSpec | null
  /** The parent's result (not known yet) goes first in the contexts when the job starts. */
  readonly contextFromParent?: boolean
  readonly at: number
}

/** Queues a generation: a `queued` node (a new branch if the parent has children) and its job. */
export function queueGeneration(state: ProjectState, input: GenerationInput): Result<ProjectDiff> {
  if (input.parentId !== null && !state.nodes[input.parentId]) return err(missingNode(input.parentId))
  if (input.prompt.trim() === '') return err(studioError('prompt.empty', 'The instruction is empty.', 'Type what should change.'))
  const known = new Set<string>([...Object.keys(state.blobs), ...(input.newBlobs ?? []).map((b) => b.hash)])
  const unknown = input.contextBlobs.find((h) => !known.has(h))
  if (unknown) return err(studioError('blob.notFound', `Context image ${unknown.slice(0, 12)}… is not in this project.`))
  const fromParent = input.contextFromParent === true
  if (fromParent && input.parentId === null)
    return err(studioError('job.noParent', 'A node without a parent cannot take its context from one.'))
  const kind: NodeKind = input.contextBlobs.length === 0 && !fromParent ? 'generate' : 'edit'
  const node: HistoryNode = {
    ...baseNode(input.nodeId, input.parentId, kind, input.at),
    prompt: input.prompt,
    params: input.params,
    contextBlobs: [...input.contextBlobs],
    contextFromParent: fromParent,
    status: 'queued',
    timings: { queuedAt: input.at },
    region: input.region ?? null,
  }
  const job: Job = { id: input.jobId, nodeId: input.nodeId, order: endOfQueue(state), createdAt: input.at }
  return ok({ project: touch(state, input.at), putNodes: [node], putJobs: [job], putBlobs: input.newBlobs ?? [] })
}

/** The job and the node it fills (whose status is the job's state). */
function withJob(state: ProjectState, jobId: JobId): Result<{ job: Job; node: HistoryNode }> {
  const job = state.jobs[jobId]
  if (!job) return err(studioError('job.notFound', `There is no job ${jobId}.`))
  const node = state.nodes[job.nodeId]
  if (!node) return err(missingNode(job.nodeId))
  return ok({ job, node })
}

export function startJob(state: ProjectState, input: { jobId: JobId; at: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { node } = found.value
  if (node.status !== 'queued') return err(studioError('job.notQueued', `This job is ${node.status}, not queued.`))
  const readiness = jobReadiness(state, node)
  if (readiness.kind !== 'ready') {
    return err(readiness.kind === 'blocked' ? readiness.error : studioError('job.waiting', 'This job waits for its parent to finish.'))
  }
  const contextBlobs = node.contextFromParent ? [readiness.parentResult as BlobHash, ...node.contextBlobs] : node.contextBlobs
  return ok({
    putNodes: [{ ...node, status: 'running', contextBlobs, contextFromParent: false, timings: { ...node.timings, startedAt: input.at } }],
  })
}

/** `requeued`: not the job's fault (the engine stepped down from a GPU provider under it); it runs again, first. */
export type JobOutcome =
  { kind: 'done'; result: BlobMeta } | { kind: 'failed'; error: StudioErrorData } | { kind: 'cancelled' } | { kind: 'requeued' }

const queuedOnly = (t: NodeTimings): NodeTimings => (t.queuedAt !== undefined ? { queuedAt: t.queuedAt } : {})

/** Settles a node's job. A finished node keeps its place; failures keep the reason. */
export function settleJob(state: ProjectState, input: { jobId: JobId; outcome: JobOutcome; at: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { node } = found.value
  const timings = { ...node.timings, finishedAt: input.at }
  const o = input.outcome
  if (o.kind === 'done') {
    return ok({
      project: touch(state, input.at),
      putBlobs: state.blobs[o.result.hash] ? [] : [o.result],
      putNodes: [{ ...node, status: 'done', resultBlob: o.result.hash, error: null, timings }],
    })
  }
  if (o.kind === 'failed') return ok({ putNodes: [{ ...node, status: 'failed', error: o.error, timings }] })
  // Its job row keeps its place at the head of the queue; the contexts it started with stay resolved.
  if (o.kind === 'requeued') return ok({ putNodes: [{ ...node, status: 'queued', timings: queuedOnly(node.timings) }] })
  return ok({ putNodes: [{ ...node, status: 'cancelled', timings }] })
}

/**
 * Cancels queued nodes: `nodeId` when it is queued, and with `withChildren` the queued nodes that
 * wait on its result too. Without it they stay queued and run once `nodeId` is retried.
 */
export function cancelQueued(state: ProjectState, input: { jobId: JobId; withChildren: boolean; at: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { node } = found.value
  const self = node.status === 'queued' ? [node.id] : []
  const ids = [...self, ...(input.withChildren ? waitingDescendants(state, node.id) : [])]
  const putNodes = ids.map((id) => {
    const n = state.nodes[id] as HistoryNode
    return { ...n, status: 'cancelled' as const, timings: { ...n.timings, finishedAt: input.at } }
  })
  return ok({ putNodes })
}

/** On open: a node that was running when the app died failed as interrupted (offered for re-run). */
export function interruptRunningJobs(state: ProjectState, at: number): ProjectDiff {
  const error = studioError('job.interrupted', 'The studio closed while this job was running.', 'Re-run it from the queue.')
  const running = Object.values(state.nodes).filter((n) => n.status === 'running')
  return { putNodes: running.map((n) => ({ ...n, status: 'failed' as const, error, timings: { ...n.timings, finishedAt: at } })) }
}

/** Moves a queued node to `toIndex` in the queue (0 = runs next). */
export function reorderJob(state: ProjectState, input: { jobId: JobId; toIndex: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { job, node } = found.value
  if (node.status !== 'queued') return err(studioError('job.notQueued', 'Only queued jobs can be reordered.'))
  const others = queuedJobs(state).filter((j) => j.id !== job.id)
  const i = Math.max(0, Math.min(input.toIndex, others.length))
  const before = others[i - 1]?.order
  const after = others[i]?.order
  const order =
    before === undefined && after === undefined
      ? 1
      : before === undefined
        ? (after as number) - 1
        : after === undefined
          ? before + 1
          : (before + after) / 2
  return ok({ putJobs: [{ ...job, order }] })
}

/** Queues a failed or cancelled node's job again, at the end of the queue. */
export function retryJob(state: ProjectState, input: { jobId: JobId; at: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { job, node } = found.value
  if (node.status !== 'failed' && node.status !== 'cancelled') {
    return err(studioError('job.notRetryable', `This job is ${node.status}; only failed, cancelled or interrupted jobs can be retried.`))
  }
  return ok({
    project: touch(state, input.at),
    putJobs: [{ ...job, order: endOfQueue(state) }],
    putNodes: [{ ...node, status: 'queued', error: null, timings: { ...node.timings, queuedAt: input.at } }],
  })
}

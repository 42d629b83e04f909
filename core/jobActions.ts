/**
 * Generation jobs as pure functions: queue a node and its job, start it (resolving a context
 * deferred to the parent), record progress, settle it, and recover after a crash.
 */
import type { BlobHash, JobId, NodeId } from './ids'
import type { BlobMeta, GenerationParams, HistoryNode, Job, NodeKind, ProjectState, RegionSpec } from './model'
import type { ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result, type StudioErrorData } from './result'
import { baseNode, missingNode, touch } from './nodeFactory'

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
  const queued = Object.values(state.jobs).filter((j) => j.state === 'queued')
  const order = queued.reduce((max, j) => Math.max(max, j.order), 0) + 1
  const job: Job = {
    id: input.jobId,
    nodeId: input.nodeId,
    state: 'queued',
    order,
    step: 0,
    totalSteps: input.params.steps,
    attempts: 0,
    createdAt: input.at,
    error: null,
  }
  return ok({ project: touch(state, input.at), putNodes: [node], putJobs: [job], putBlobs: input.newBlobs ?? [] })
}

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
  const { job, node } = found.value
  if (job.state !== 'queued') return err(studioError('job.notQueued', `Job ${job.id} is ${job.state}, not queued.`))
  const readiness = jobReadiness(state, job)
  if (readiness.kind !== 'ready') {
    return err(readiness.kind === 'blocked' ? readiness.error : studioError('job.waiting', 'This job waits for its parent to finish.'))
  }
  const contextBlobs = node.contextFromParent ? [readiness.parentResult as BlobHash, ...node.contextBlobs] : node.contextBlobs
  return ok({
    putJobs: [{ ...job, state: 'running', attempts: job.attempts + 1, step: 0 }],
    putNodes: [{ ...node, status: 'running', contextBlobs, contextFromParent: false, timings: { ...node.timings, startedAt: input.at } }],
  })
}

export function recordProgress(state: ProjectState, input: { jobId: JobId; step: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  return ok({ putJobs: [{ ...found.value.job, step: input.step }] })
}

export type JobOutcome = { kind: 'done'; result: BlobMeta } | { kind: 'failed'; error: StudioErrorData } | { kind: 'cancelled' }

/** Settles a job and its node. A finished node keeps its place; failures keep the reason. */
export function settleJob(state: ProjectState, input: { jobId: JobId; outcome: JobOutcome; at: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  const { job, node } = found.value
  const timings = { ...node.timings, finishedAt: input.at }
  const o = input.outcome
  if (o.kind === 'done') {
    return ok({
      project: touch(state, input.at),
      putBlobs: state.blobs[o.result.hash] ? [] : [o.result],
      putJobs: [{ ...job, state: 'done', step: job.totalSteps, error: null }],
      putNodes: [{ ...node, status: 'done', resultBlob: o.result.hash, error: null, timings }],
    })
  }
  if (o.kind === 'failed') {
    return ok({
      putJobs: [{ ...job, state: 'failed', error: o.error }],
      putNodes: [{ ...node, status: 'failed', error: o.error, timings }],
    })
  }
  return ok({ putJobs: [{ ...job, state: 'cancelled' }], putNodes: [{ ...node, status: 'cancelled', timings }] })
}

/** On open: a job that was running when the app died is interrupted (offered for re-run). */
export function interruptRunningJobs(state: ProjectState, at: number): ProjectDiff {
  const running = Object.values(state.jobs).filter((j) => j.state === 'running')
  const error = studioError('job.interrupted', 'The studio closed while this job was running.', 'Re-run it from the queue.')
  return {
    putJobs: running.map((j) => ({ ...j, state: 'interrupted' as const, error })),
    putNodes: running.flatMap((j) => {
      const n = state.nodes[j.nodeId]
      return n ? [{ ...n, status: 'failed' as const, error, timings: { ...n.timings, finishedAt: at } }] : []
    }),
  }
}

export type JobReadiness =
  | { readonly kind: 'ready'; readonly parentResult: BlobHash | null }
  | { readonly kind: 'waiting' }
  | { readonly kind: 'blocked'; readonly error: StudioErrorData }

/** Whether a queued job can start now: a node taking its parent's result waits for that result. */
export function jobReadiness(state: ProjectState, job: Job): JobReadiness {
  const node = state.nodes[job.nodeId]
  if (!node) return { kind: 'blocked', error: missingNode(job.nodeId) }
  if (!node.contextFromParent) return { kind: 'ready', parentResult: null }
  const parent = node.parentId === null ? undefined : state.nodes[node.parentId]
  if (!parent) return { kind: 'blocked', error: missingNode(node.parentId ?? ('' as NodeId)) }
  if (parent.status === 'done' && parent.resultBlob !== null) return { kind: 'ready', parentResult: parent.resultBlob }
  if (parent.status === 'queued' || parent.status === 'running') return { kind: 'waiting' }
  return {
    kind: 'blocked',
    error: studioError('job.parentFailed', 'The node this edit builds on did not finish.', 'Re-run the parent first, then this node.'),
  }
}

/** The next job to run: the first queued one, in queue order, that is not waiting on a parent. */
export function nextRunnableJob(state: ProjectState): { job: Job; readiness: JobReadiness } | null {
  const queued = Object.values(state.jobs)
    .filter((j) => j.state === 'queued')
    .sort((a, b) => a.order - b.order || a.createdAt - b.createdAt)
  for (const job of queued) {
    const readiness = jobReadiness(state, job)
    if (readiness.kind !== 'waiting') return { job, readiness }
  }
  return null
}

/** Moves a queued job to `toIndex` among the queued jobs (0 = runs next). */
export function reorderJob(state: ProjectState, input: { jobId: JobId; toIndex: number }): Result<ProjectDiff> {
  const job = state.jobs[input.jobId]
  if (!job) return err(studioError('job.notFound', `There is no job ${input.jobId}.`))
  if (job.state !== 'queued') return err(studioError('job.notQueued', 'Only queued jobs can be reordered.'))
  const others = Object.values(state.jobs)
    .filter((j) => j.state === 'queued' && j.id !== job.id)
    .sort((a, b) => a.order - b.order || a.createdAt - b.createdAt)
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

/** Queues a failed, cancelled or interrupted job again, at the end of the queue. */
export function retryJob(state: ProjectState, input: { jobId: JobId; at: number }): Result<ProjectDiff> {
  const job = state.jobs[input.jobId]
  if (!job) return err(studioError('job.notFound', `There is no job ${input.jobId}.`))
  if (job.state === 'queued' || job.state === 'running' || job.state === 'done') {
    return err(studioError('job.notRetryable', `This job is ${job.state}; only failed, cancelled or interrupted jobs can be retried.`))
  }
  const node = state.nodes[job.nodeId]
  if (!node) return err(missingNode(job.nodeId))
  const order =
    Object.values(state.jobs)
      .filter((j) => j.state === 'queued')
      .reduce((max, j) => Math.max(max, j.order), 0) + 1
  return ok({
    project: touch(state, input.at),
    putJobs: [{ ...job, state: 'queued', order, step: 0, error: null }],
    putNodes: [{ ...node, status: 'queued', error: null, timings: { ...node.timings, queuedAt: input.at } }],
  })
}

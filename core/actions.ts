/**
 * User actions as pure functions `(state, input) → ProjectDiff`. Ids and clocks are passed in,
 * never read, so the same action gives the same diff in the host, the renderer and the tests.
 * Expected failures (unknown node, wrong state) are returned as `Result` errors.
 */
import type { BlobHash, FrameId, JobId, NodeId } from './ids'
import type { BlobMeta, Frame, GenerationParams, HistoryNode, Job, NodeKind, ProjectState, RegionSpec } from './model'
import type { ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result, type StudioErrorData } from './result'
import { subtree } from './historyTree'

const touch = (state: ProjectState, at: number): ProjectDiff['project'] => ({ ...state.project, modifiedAt: at })

function baseNode(id: NodeId, parentId: NodeId | null, kind: NodeKind, at: number): HistoryNode {
  return {
    id, parentId, kind, prompt: null, params: null, contextBlobs: [], contextFromParent: false, resultBlob: null, status: 'done', error: null,
    timings: {}, createdAt: at, label: null, starred: false, deletedAt: null, sourceName: null, region: null,
  }
}

const missingNode = (id: NodeId): StudioErrorData =>
  studioError('node.notFound', `There is no history node ${id} in this project.`, 'Reload the project and try again.')

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
  readonly at: number
}

/** Queues a generation: a `queued` node (a new branch if the parent has children) and its job. */
export function queueGeneration(state: ProjectState, input: GenerationInput): Result<ProjectDiff> {
  if (input.parentId !== null && !state.nodes[input.parentId]) return err(missingNode(input.parentId))
  if (input.prompt.trim() === '') return err(studioError('prompt.empty', 'The instruction is empty.', 'Type what should change.'))
  const known = new Set<string>([...Object.keys(state.blobs), ...(input.newBlobs ?? []).map((b) => b.hash)])
  const unknown = input.contextBlobs.find((h) => !known.has(h))
  if (unknown) return err(studioError('blob.notFound', `Context image ${unknown.slice(0, 12)}… is not in this project.`))
  const kind: NodeKind = input.contextBlobs.length === 0 ? 'generate' : 'edit'
  const node: HistoryNode = {
    ...baseNode(input.nodeId, input.parentId, kind, input.at),
    prompt: input.prompt,
    params: input.params,
    contextBlobs: [...input.contextBlobs],
    status: 'queued',
    timings: { queuedAt: input.at },
    region: input.region ?? null,
  }
  const queued = Object.values(state.jobs).filter((j) => j.state === 'queued')
  const order = queued.reduce((max, j) => Math.max(max, j.order), 0) + 1
  const job: Job = {
    id: input.jobId, nodeId: input.nodeId, state: 'queued', order, step: 0, totalSteps: input.params.steps,
    attempts: 0, createdAt: input.at, error: null,
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
  return ok({
    putJobs: [{ ...job, state: 'running', attempts: job.attempts + 1, step: 0 }],
    putNodes: [{ ...node, status: 'running', timings: { ...node.timings, startedAt: input.at } }],
  })
}

export function recordProgress(state: ProjectState, input: { jobId: JobId; step: number }): Result<ProjectDiff> {
  const found = withJob(state, input.jobId)
  if (!found.ok) return found
  return ok({ putJobs: [{ ...found.value.job, step: input.step }] })
}

export type JobOutcome =
  | { kind: 'done'; result: BlobMeta }
  | { kind: 'failed'; error: StudioErrorData }
  | { kind: 'cancelled' }

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
  const frame: Frame = { id: input.frameId, order: last + 1, nodeId: input.nodeId, title: input.title, notes: '', durationMs: input.durationMs ?? 2000, candidateNodeId: null }
  return ok({ project: touch(state, input.at), putFrames: [frame] })
}

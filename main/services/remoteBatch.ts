/**
 * A studio batch on `kontext worker`s: the same BullMQ queue and Redis blob store `kontext batch
 * --queue` uses (engine/batch/bullmqQueue.ts), so a worker cannot tell the two apart. The studio
 * keeps its nodes and jobs as for a local batch (the roots labelled `· workers`, so its own queue
 * leaves the jobs alone) and settles each job when its result comes back from Redis.
 *
 * The Redis URL (which may carry a password) lives in this object's memory only: never in the
 * project, a log or a message; messages name the server as `describeEndpoint` writes it.
 */
import { settleJob } from '../../core/domain/actions'
import { batchItems } from '../../core/domain/batch'
import { asBlobHash, type JobId } from '../../core/ids'
import type { ProjectState } from '../../core/domain/model'
import { StudioError, studioError, type StudioErrorData } from '../../core/result'
import { runQueuedBatch, type QueuedItem } from '../../engine/batch/bullmqQueue'
import { BatchSettings, resultKey, seedFor } from '../../engine/batch/plan'
import { probe } from '../../engine/batch/redis/client'
import { describeEndpoint, parseRedisUrl } from '../../engine/batch/redis/redisUrl'
import { controlQueue, removeWaiting } from '../../engine/batch/queueControl'
import type { ImageService } from './imageWorker'
import type { HostClock } from './clock'
import type { ProjectSession } from './projectSession'

export interface RemoteQueue {
  readonly url: string
  readonly queueName?: string | undefined
}

interface RemoteItem extends QueuedItem {
  readonly jobId: JobId
}

/** The queued jobs of a batch, grouped by the settings they share (a re-run has its own seed). */
export function pendingGroups(state: ProjectState, batchId: string): { settings: BatchSettings; items: RemoteItem[] }[] {
  const groups = new Map<string, { settings: BatchSettings; items: RemoteItem[] }>()
  for (const item of batchItems(state, batchId)) {
    const edits = Object.values(state.nodes).filter((n) => n.parentId === item.rootId && n.deletedAt === null && n.status === 'queued')
    for (const edit of edits) {
      const job = Object.values(state.jobs).find((j) => j.nodeId === edit.id)
      const [input, ...refs] = edit.contextBlobs
      if (!job || !edit.params || edit.prompt === null || !input) continue
      // The seed a worker derives from the input when none is fixed: the batch's first run.
      const derived = edit.params.seed === seedFor(input, null)
      const settings = BatchSettings.parse({
        prompt: edit.prompt,
        model: edit.params.model,
        steps: edit.params.steps,
        guidance: edit.params.guidance,
        refs,
        seed: derived ? null : edit.params.seed,
      })
      const group = JSON.stringify(settings)
      const entry = groups.get(group) ?? { settings, items: [] }
      // A region edit's mask (a preset's, made at start) travels as a blob and is part of the key.
      const maskHash = edit.region?.maskBlob
      entry.items.push({
        name: job.id,
        inputHash: input,
        key: resultKey(input, settings, maskHash),
        jobId: job.id,
        ...(maskHash ? { maskHash } : {}),
      })
      groups.set(group, entry)
    }
  }
  return [...groups.values()]
}

interface Collector {
  readonly queue: RemoteQueue
  readonly abort: AbortController
  readonly runs: Set<Promise<void>>
  /** Jobs being collected now, so a second attach (a re-run) submits only the new ones. */
  readonly jobs: Set<JobId>
}

export class RemoteBatches {
  private readonly live = new Map<string, Collector>()
  /** The queue of each batch submitted or attached since the studio started (memory only). */
  private readonly queues = new Map<string, RemoteQueue>()

  constructor(
    private readonly session: ProjectSession,
    private readonly clock: HostClock,
    /** A worker's result is bytes from the network: the image worker reads it, as it does an import. */
    private readonly images: ImageService,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** Refuses a bad URL or an unreachable server (wrong password, no TLS) before anything is made. */
  async check(queue: RemoteQueue): Promise<void> {
    const endpoint = parseRedisUrl(queue.url)
    if (!endpoint.ok) throw new StudioError(endpoint.error)
    const problem = await probe(endpoint.value)
    if (problem !== null)
      throw new StudioError(
        studioError(
          'queue.unreachable',
          `Cannot reach Redis at ${describeEndpoint(endpoint.value)}: ${problem}`,
          'Check the URL, the password, the TLS certificate (rediss://) and that the server is running.',
        ),
      )
  }

  /** Submits the batch's queued items (again: a job id is its result key, so nothing runs twice) and collects. */
  attach(batchId: string, queue: RemoteQueue): void {
    this.queues.set(batchId, queue)
    const entry: Collector = this.live.get(batchId) ?? { queue, abort: new AbortController(), runs: new Set(), jobs: new Set() }
    this.live.set(batchId, entry)
    for (const group of pendingGroups(this.session.snapshot(), batchId)) {
      const items = group.items.filter((i) => !entry.jobs.has(i.jobId))
      if (items.length === 0) continue
      for (const i of items) entry.jobs.add(i.jobId)
      const run: Promise<void> = this.collect(entry.queue, group.settings, items, entry.abort.signal)
        .catch((e: unknown) => this.log(`batch: collecting stopped (${e instanceof Error ? e.message : String(e)})`))
        .finally(() => {
          entry.runs.delete(run)
          for (const i of items) entry.jobs.delete(i.jobId)
          if (entry.runs.size === 0 && this.live.get(batchId) === entry) this.live.delete(batchId)
        })
      entry.runs.add(run)
    }
    if (entry.runs.size === 0) this.live.delete(batchId)
  }

  /** New queued items of a batch being collected (a re-run) join it; after a restart they wait for attach. */
  reattach(batchId: string): void {
    const queue = this.queues.get(batchId)
    if (queue) this.attach(batchId, queue)
  }

  /** BullMQ's queue pause: every worker finishes its item and takes no new one. */
  async pause(batchId: string, paused: boolean, queue: RemoteQueue | undefined): Promise<void> {
    const q = queue ?? this.queues.get(batchId)
    if (!q)
      throw new StudioError(
        studioError(
          'batch.noQueue',
          'This batch runs on Redis workers, and the studio does not know the queue since it restarted.',
          'Enter the Redis URL in the Batch panel, then press Resume.',
        ),
      )
    const r = await controlQueue(q.url, q.queueName, paused)
    if (!r.ok) throw new StudioError(r.error)
    this.queues.set(batchId, q)
    if (!paused) this.attach(batchId, q)
  }

  /**
   * Stops collecting and takes the batch's items no worker has started off the queue (the jobs
   * are settled cancelled by the caller); a result that still comes is not collected.
   */
  async cancel(batchId: string): Promise<void> {
    const keys = pendingGroups(this.session.snapshot(), batchId).flatMap((g) => g.items.map((i) => i.key))
    this.live.get(batchId)?.abort.abort()
    this.live.delete(batchId)
    const queue = this.queues.get(batchId)
    if (!queue || keys.length === 0) return
    const r = await removeWaiting(queue.url, queue.queueName, keys)
    if (!r.ok) this.log(`batch: cancelled here, but the waiting items stay on the queue (${r.error.message})`)
  }

  /** Ends every collector (the project is closing); the jobs stay queued for the next attach. */
  async dispose(): Promise<void> {
    const runs = [...this.live.values()].flatMap((e) => (e.abort.abort(), [...e.runs]))
    this.live.clear()
    await Promise.allSettled(runs)
  }

  private async collect(queue: RemoteQueue, settings: BatchSettings, items: RemoteItem[], signal: AbortSignal): Promise<void> {
    const refs = settings.refs.map((hash) => this.blob(hash))
    const byName = new Map(items.map((i) => [i.name, i]))
    const r = await runQueuedBatch<RemoteItem>({
      url: queue.url,
      ...(queue.queueName ? { queueName: queue.queueName } : {}),
      items,
      settings,
      refs,
      readInput: async (item) => this.blob(item.inputHash),
      readMask: async (item) => this.blob(item.maskHash ?? ''),
      deliver: async (item, png) => this.settle(item.jobId, png),
      wait: true,
      signal,
      onItem: (o) => {
        const item = byName.get(o.name)
        if (item && !o.ok && o.error.code !== 'job.cancelled') this.fail(item.jobId, o.error)
      },
      log: this.log,
    })
    if (!r.ok) for (const item of items) this.fail(item.jobId, r.error)
  }

  private blob(hash: string): Uint8Array {
    const bytes = this.session.readBlob(asBlobHash(hash))
    if (!bytes) throw new StudioError(studioError('blob.missing', `Image ${hash.slice(0, 12)}… is missing from the project file.`))
    return bytes
  }

  /** A job's node is still waiting for its worker (not cancelled or settled meanwhile). */
  private isQueued(jobId: JobId): boolean {
    const state = this.session.snapshot()
    const job = state.jobs[jobId]
    return job !== undefined && state.nodes[job.nodeId]?.status === 'queued'
  }

  /** A result from a worker becomes the job's result, unless the job was cancelled meanwhile. */
  private async settle(jobId: JobId, png: Uint8Array): Promise<void> {
    if (!this.isQueued(jobId)) return
    const { meta, png: stored } = await this.images.ingest(png, 'a worker’s result')
    if (!this.isQueued(jobId)) return
    const outcome = { kind: 'done' as const, result: meta }
    this.session.apply(settleJob(this.session.snapshot(), { jobId, outcome, at: this.clock.now() }), new Map([[meta.hash, stored]]))
  }

  private fail(jobId: JobId, error: StudioErrorData): void {
    if (!this.isQueued(jobId)) return
    this.session.apply(settleJob(this.session.snapshot(), { jobId, outcome: { kind: 'failed', error }, at: this.clock.now() }))
  }
}

/**
 * The studio's job queue: one generation at a time, in queue order, through the engine process.
 * Jobs are rows of the project, so a queue survives a restart; progress is streamed as events and
 * only the start and the outcome are written (a step is not worth a disk flush).
 *
 * A full disk (or another write error) never leaves a job running and never ends the queue: a
 * result that cannot be saved makes the job fail with `store.diskFull`, that failure is held in
 * memory (and shown) until it can be written, and the queue waits, retrying with a growing pause
 * (or at the next change that gets through), then goes on by itself.
 */
import { withoutHeldJobs } from '../../core/domain/batchControl'
import {
  cancelQueued,
  jobOfNode,
  nextRunnableJob,
  queueGeneration,
  reorderJob,
  retryJob,
  settleJob,
  startJob,
  type JobOutcome,
} from '../../core/domain/actions'
import type { GenerateResult, ValidParams } from '../../core/contract/api'
import { asJobId, asNodeId, type BlobHash, type JobId, type NodeId } from '../../core/ids'
import type { BlobMeta, GenerationParams, Job, ProjectState } from '../../core/domain/model'
import { StudioError, studioError, toErrorData } from '../../core/result'
import { pngBlobMeta } from '../../engine/hashing'
import type { HostClock } from './clock'
import type { GenerationJob, GenerationProgress } from '../../core/contract/generationJob'
import type { EngineLike } from './engineLike'
import type { ImageService } from './imageWorker'
import { isStoreWriteError, type ProjectSession } from './projectSession'
import { resolveSampling } from './sampling'

export interface JobProgressEvent {
  readonly jobId: JobId
  readonly nodeId: NodeId
  readonly progress: GenerationProgress
}

export class JobRunner {
  private running: { jobId: JobId; abort: AbortController } | null = null
  private draining: Promise<void> | null = null
  /** Set when the engine was shut down under a job: queued jobs stay queued for the next start. */
  private halted = false
  /**
   * Set when the engine gave up restarting (its restart budget is spent): the job that met it
   * fails with the engine's reason, the rest stay queued instead of each failing the same way,
   * and the next kick (a new generation, a retry) asks the engine to try once more.
   */
  private engineDown = false
  private readonly progressListeners = new Set<(e: JobProgressEvent) => void>()
  /** The pending retry while the store refuses writes. */
  private storeRetry: NodeJS.Timeout | null = null
  private storeRetries = 0
  private closed = false
  private kickedWhileDraining = false

  constructor(
    private readonly session: ProjectSession,
    private readonly engine: EngineLike,
    private readonly clock: HostClock,
    /** Decodes uploaded context images and masks (the one ingest, in the image worker). */
    private readonly images: ImageService,
    /** First pause before writing again after a store error; doubled each time, at most 30 s. */
    private readonly storeRetryMs = 1000,
  ) {
    // The next change that gets through has written the held ones too: no need to wait any longer.
    session.onDidChange(() => {
      if (!this.storeRetry || this.session.hasUnsaved) return
      clearTimeout(this.storeRetry)
      this.storeRetry = null
      this.storeRetries = 0
      queueMicrotask(() => void this.kick())
    })
  }

  onProgress(listener: (e: JobProgressEvent) => void): () => void {
    this.progressListeners.add(listener)
    return () => this.progressListeners.delete(listener)
  }

  /** Stores any uploaded context images, queues the node and its job, and starts the queue. */
  async enqueue(params: ValidParams<'generate'>): Promise<GenerateResult> {
    const uploads = await Promise.all((params.contextUploads ?? []).map((bytes, i) => this.decodeUpload(bytes, i)))
    const settings = this.session.snapshot().project.settings
    const contextBlobs: BlobHash[] = [...uploads.map((u) => u.meta.hash), ...params.contextBlobs]
    const parentParams = params.parentId ? this.session.snapshot().nodes[params.parentId]?.params : null
    const firstContext = contextBlobs[0]
      ? (this.session.snapshot().blobs[contextBlobs[0]] ?? uploads[0]?.meta)
      : params.contextFromParent
        ? (parentParams ?? undefined)
        : undefined
    const generation: GenerationParams = {
      ...resolveSampling(settings, params, this.clock),
      width: params.width ?? firstContext?.width ?? 1024,
      height: params.height ?? firstContext?.height ?? 1024,
    }
    const mask = params.regionMask ? await this.decodeUpload(params.regionMask, -1) : null
    if (mask && contextBlobs.length === 0) throw new StudioError(studioError('region.noContext', 'A region edit needs an image to edit.'))
    const stored = mask ? [...uploads, mask] : uploads
    const nodeId = asNodeId(this.clock.newId())
    const jobId = asJobId(this.clock.newId())
    this.session.apply(
      queueGeneration(this.session.snapshot(), {
        nodeId,
        jobId,
        parentId: params.parentId,
        prompt: params.prompt,
        params: generation,
        contextBlobs,
        newBlobs: stored.map((u) => u.meta),
        region: mask ? { maskBlob: mask.meta.hash } : null,
        contextFromParent: params.contextFromParent === true,
        at: this.clock.now(),
      }),
      new Map(stored.map((u) => [u.meta.hash, u.png])),
    )
    this.kick()
    return { nodeId, jobId }
  }

  /**
   * Cancels a node's job: a queued one at once, a running one at its next step. With
   * `withChildren` the queued nodes that wait on its result are cancelled too; without, they stay
   * queued and run once it is retried (the renderer asks which the designer wants).
   */
  cancel(nodeId: NodeId, withChildren = false): { cancelled: boolean; children: number } {
    const state = this.session.snapshot()
    const job = this.jobOf(state, nodeId)
    const status = state.nodes[nodeId]?.status
    const diff = cancelQueued(state, { jobId: job.id, withChildren, at: this.clock.now() })
    const children = diff.ok ? (diff.value.putNodes ?? []).filter((n) => n.id !== nodeId).length : 0
    if (diff.ok && (diff.value.putNodes?.length ?? 0) > 0) this.session.apply(diff)
    if (status === 'queued') return { cancelled: true, children }
    if (status === 'running' && this.running?.jobId === job.id) {
      this.running.abort.abort()
      return { cancelled: true, children }
    }
    return { cancelled: false, children }
  }

  /** Cancels every queued job and the running one. */
  cancelAll(): { cancelled: number } {
    const state = this.session.snapshot()
    const live = Object.values(state.jobs).filter((j) => {
      const status = state.nodes[j.nodeId]?.status
      return status === 'queued' || status === 'running'
    })
    return { cancelled: live.filter((j) => this.cancel(j.nodeId).cancelled).length }
  }

  reorder(nodeId: NodeId, toIndex: number): void {
    const state = this.session.snapshot()
    this.session.apply(reorderJob(state, { jobId: this.jobOf(state, nodeId).id, toIndex }))
  }

  retry(nodeId: NodeId): void {
    const state = this.session.snapshot()
    this.session.apply(retryJob(state, { jobId: this.jobOf(state, nodeId).id, at: this.clock.now() }))
    void this.kick()
  }

  private jobOf(state: ProjectState, nodeId: NodeId): Job {
    const job = jobOfNode(state, nodeId)
    if (!job) throw new StudioError(studioError('job.notFound', 'This node has no job in the queue.', 'Reload the project.'))
    return job
  }

  /** Starts draining the queue if it is not already; resolves when the queue is empty. */
  kick(): Promise<void> {
    this.engineDown = false
    if (this.draining) {
      // The loop may already have found the queue empty and be on its way out: look again after it.
      this.kickedWhileDraining = true
      return this.draining
    }
    this.kickedWhileDraining = false
    let stopped = false
    this.draining = this.drain()
      // The project may close under a running job (shutdown); the job stays `running` in the file
      // and is marked interrupted on the next open, so there is nothing more to do here.
      .catch((e: unknown) => {
        stopped = true
        console.error(`job queue stopped: ${e instanceof Error ? e.message : String(e)}`)
      })
      .finally(() => {
        this.draining = null
        if (this.kickedWhileDraining && !stopped && !this.closed) void this.kick()
      })
    return this.draining
  }

  /** Stops retrying writes (the project is closing). */
  dispose(): void {
    this.closed = true
    if (this.storeRetry) clearTimeout(this.storeRetry)
    this.storeRetry = null
  }

  /** Whether the queue is paused because the store cannot write (a full disk). */
  get waitingForStore(): boolean {
    return this.storeRetry !== null
  }

  /** Waits for the running job (if any) to settle; used on shutdown and by tests. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining
  }

  private async drain(): Promise<void> {
    try {
      await this.drainQueue()
    } catch (caught) {
      // The store refused a write (disk full): wait for it instead of ending the queue for good.
      if (!isStoreWriteError(caught)) throw caught
      this.waitForStore()
    }
  }

  /** Tries the held writes again after a growing pause; once they are in, the queue goes on. */
  private waitForStore(): void {
    if (this.storeRetry || this.closed) return
    const pause = Math.min(30_000, this.storeRetryMs * 2 ** Math.min(this.storeRetries, 5))
    this.storeRetries++
    this.storeRetry = setTimeout(() => {
      this.storeRetry = null
      if (this.closed) return
      try {
        this.session.flush()
      } catch (caught) {
        if (!isStoreWriteError(caught)) throw caught
        return this.waitForStore()
      }
      this.storeRetries = 0
      void this.kick()
    }, pause)
    this.storeRetry.unref()
  }

  /** Settles a job; when the store cannot write the outcome, the failure is held in memory. */
  private settle(jobId: JobId, outcome: JobOutcome, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): void {
    const diff = settleJob(this.session.snapshot(), { jobId, outcome, at: this.clock.now() })
    try {
      this.session.apply(diff, blobBytes)
    } catch (caught) {
      if (!isStoreWriteError(caught) || !diff.ok) throw caught
      const error = toErrorData(caught)
      // A result that could not be saved is lost (its bytes are not kept): the job ends failed.
      const failed: JobOutcome = outcome.kind === 'done' ? { kind: 'failed', error } : outcome
      const held = failed === outcome ? diff : settleJob(this.session.snapshot(), { jobId, outcome: failed, at: this.clock.now() })
      if (!held.ok) throw caught
      this.session.hold(held.value)
      this.waitForStore()
    }
  }

  private async drainQueue(): Promise<void> {
    while (!this.halted && !this.engineDown) {
      // A paused batch's jobs (and those Redis workers run) wait; the rest of the queue goes on.
      const next = nextRunnableJob(withoutHeldJobs(this.session.snapshot()))
      if (!next) return
      if (next.readiness.kind === 'blocked') {
        // Its parent failed or vanished: fail it with the reason instead of waiting forever.
        const outcome: JobOutcome = { kind: 'failed', error: next.readiness.error }
        this.session.apply(settleJob(this.session.snapshot(), { jobId: next.job.id, outcome, at: this.clock.now() }))
        continue
      }
      await this.runOne(next.job)
    }
  }

  private async runOne(job: Job): Promise<void> {
    const started = startJob(this.session.snapshot(), { jobId: job.id, at: this.clock.now() })
    this.session.apply(started)
    const node = this.session.snapshot().nodes[job.nodeId]
    const abort = new AbortController()
    this.running = { jobId: job.id, abort }
    let outcome: JobOutcome
    try {
      if (!node?.params || node.prompt === null) throw new StudioError(studioError('job.invalid', 'This job has no generation parameters.'))
      const contexts = node.contextBlobs.map((hash) => {
        const bytes = this.session.readBlob(hash)
        if (!bytes)
          throw new StudioError(studioError('blob.missing', `Context image ${hash.slice(0, 12)}… is missing from the project file.`))
        return bytes
      })
      const maskBytes = node.region ? this.session.readBlob(node.region.maskBlob) : null
      if (node.region && !maskBytes) throw new StudioError(studioError('blob.missing', 'The region mask is missing from the project file.'))
      // A region edit is the same job with its mask: the engine crops, edits and blends.
      const request: GenerationJob = {
        model: node.params.model,
        prompt: node.prompt,
        contexts,
        seed: node.params.seed,
        steps: node.params.steps,
        guidance: node.params.guidance,
        width: node.params.width,
        height: node.params.height,
        ...(maskBytes ? { mask: { png: maskBytes } } : {}),
      }
      const onProgress = (progress: GenerationProgress): void => this.emitProgress({ jobId: job.id, nodeId: job.nodeId, progress })
      const result = await this.engine.run(request, { signal: abort.signal, onProgress })
      const meta = pngBlobMeta(result.png, { width: result.width, height: result.height, hasAlpha: false })
      this.running = null
      this.settle(job.id, { kind: 'done', result: meta }, new Map([[meta.hash, result.png]]))
      return
    } catch (caught) {
      const error = toErrorData(caught, 'engine.failed')
      // The studio is shutting down: leave the job `running` in the file, so the next open marks
      // it interrupted and offers it for re-run, rather than calling it failed.
      if (error.code === 'engine.stopped') {
        this.halted = true
        return
      }
      if (error.code === 'engine.startFailed') {
        // Requests queued before this point met the same engine: only a later one tries again.
        this.engineDown = true
        this.kickedWhileDraining = false
      }
      // The engine died under it on a GPU provider and restarts on the next one: run it again there.
      if (error.code === 'engine.steppedDown' && !abort.signal.aborted) outcome = { kind: 'requeued' }
      else outcome = abort.signal.aborted || error.code === 'job.cancelled' ? { kind: 'cancelled' } : { kind: 'failed', error }
    } finally {
      this.running = null
    }
    this.settle(job.id, outcome)
  }

  private emitProgress(event: JobProgressEvent): void {
    for (const listener of this.progressListeners) listener(event)
  }

  private async decodeUpload(bytes: Uint8Array, index: number): Promise<{ meta: BlobMeta; png: Uint8Array }> {
    const { meta, png } = await this.images.ingest(bytes, index < 0 ? 'region mask' : `context image ${index + 1}`)
    return { meta, png }
  }
}

/**
 * The host's implementation of the StudioApi requests, shared by both transports. A transport
 * hands `handle` the request name and the untrusted params; validation happens here, once.
 */
import { restoreBranch, setNodeLabel, setNodeStarred, trashBranch, updateProject } from '../../core/domain/actions'
import type { RequestName, RequestResults, StudioEvent, ValidParams } from '../../core/contract/api'
import type { EngineDescription } from '../../core/domain/engineTypes'
import { StudioError, studioError } from '../../core/result'
import { isRequestName, validateRequest } from '../../core/contract/validation'
import type { HostClock } from './clock'
import type { EngineLike } from './engineLike'
import { importImageFile, storeImageFile } from './importService'
import { saveLayerDocument } from '../../core/domain/layerActions'
import { JobRunner } from './jobRunner'
import type { ProjectSession } from './projectSession'
import { exportBranch, exportComposite, exportNode, exportStoryboard } from './exportService'
import { StoryboardService } from './storyboardService'
import { DriftService } from './driftService'
import { ThumbnailCache } from './thumbnails'
import { sharedImageWorker, type ImageService } from './imageWorker'
import { PromptGate } from './promptGate'
import { ModelService } from './modelService'
import { BatchService } from './batchService'
import { serialRuns } from './serialRuns'

type Handlers = { [K in RequestName]: (params: ValidParams<K>) => Promise<RequestResults[K]> | RequestResults[K] }

export class StudioHost {
  readonly jobs: JobRunner
  readonly thumbnails: ThumbnailCache
  private readonly eventListeners = new Set<(e: StudioEvent) => void>()
  private readonly unsubscribe: (() => void)[] = []
  private readonly handlers: Handlers
  private readonly prompts: PromptGate
  readonly models: ModelService
  private readonly batches: BatchService

  constructor(
    readonly session: ProjectSession,
    private readonly engine: EngineLike,
    private readonly clock: HostClock,
    /** Where every user image is decoded (default: this process's one image worker). */
    readonly images: ImageService = sharedImageWorker(),
  ) {
    // One engine run at a time, shared by the queue and a batch's calibration edit.
    const runs = serialRuns(engine)
    this.jobs = new JobRunner(session, runs, clock, images)
    this.thumbnails = new ThumbnailCache(session, images)
    const board = new StoryboardService(session, clock, this.jobs)
    const drift = new DriftService(session, images)
    const batches = (this.batches = new BatchService(session, clock, this.jobs, runs, images))
    this.prompts = new PromptGate(() => engine.describe())
    this.models = new ModelService(engine, (e) => this.emit(e))
    /** A request that queues a generation runs only once its instruction can be read. */
    const checked =
      <P extends { prompt: string; model?: string | undefined }, R>(run: (p: P) => Promise<R>) =>
      async (p: P): Promise<R> => {
        await this.prompts.check(p.prompt, p.model ?? this.session.snapshot().project.settings.defaultModel)
        return run(p)
      }
    this.unsubscribe.push(
      session.onDidChange((diff) => this.emit({ kind: 'projectChanged', diff })),
      this.jobs.onProgress(({ jobId, nodeId, progress }) =>
        this.emit({
          kind: 'jobProgress',
          jobId,
          nodeId,
          step: progress.step,
          totalSteps: progress.totalSteps,
          preview: progress.previewPng,
        }),
      ),
      engine.onStateChange((state, reason) => {
        if (state === 'restarting' || state === 'crashed') this.prompts.invalidate()
        this.emit({ kind: 'engineState', state, reason })
      }),
    )
    const at = () => this.clock.now()
    this.handlers = {
      getProject: () => (this.session.access ? { ...this.session.snapshot(), access: this.session.access } : this.session.snapshot()),
      updateProject: (p) => void this.session.apply(updateProject(this.session.snapshot(), { ...p, at: at() })),
      importImage: (p) => importImageFile(this.session, this.clock, this.images, p),
      describeEngine: () => this.describeEngine(),
      generate: checked((p) => this.jobs.enqueue(p)),
      cancelJob: (p) => this.jobs.cancel(p.nodeId, p.withChildren === true),
      setNodeLabel: (p) => void this.session.apply(setNodeLabel(this.session.snapshot(), { ...p, at: at() })),
      setNodeStarred: (p) => void this.session.apply(setNodeStarred(this.session.snapshot(), { ...p, at: at() })),
      trashBranch: (p) => void this.session.apply(trashBranch(this.session.snapshot(), { ...p, at: at() })),
      restoreBranch: (p) => void this.session.apply(restoreBranch(this.session.snapshot(), { ...p, at: at() })),
      emptyTrash: () => this.session.emptyTrash(),
      rerunWithSeed: async (p) => {
        const r = await board.rerunWithSeed(p)
        batches.afterRerun(r.nodeId)
        return r
      },
      rerunBranch: (p) => board.rerunBranch(p),
      reorderJob: (p) => this.jobs.reorder(p.nodeId, p.toIndex),
      retryJob: (p) => this.jobs.retry(p.nodeId),
      cancelAllJobs: () => this.jobs.cancelAll(),
      addFrame: (p) => board.addFrame(p),
      moveFrame: (p) => board.moveFrame(p),
      updateFrame: (p) => board.updateFrame(p),
      removeFrame: (p) => board.removeFrame(p),
      nextShot: checked(async (p) => board.nextShot(p)),
      applyToFrames: checked(async (p) => board.applyToFrames(p)),
      acceptCandidate: (p) => board.acceptCandidate(p),
      discardCandidate: (p) => board.discardCandidate(p),
      exportNode: (p) => exportNode(this.session, this.images, p),
      exportStoryboard: (p) => exportStoryboard(this.session, this.images, p),
      exportBranch: (p) => exportBranch(this.session, p),
      exportComposite: (p) => exportComposite(this.session, this.images, p),
      measureDrift: (p) => drift.measure(p),
      searchNodes: (p) => ({ nodeIds: this.session.search(p.text, p.limit) }),
      storeImage: (p) => storeImageFile(this.session, this.clock, this.images, p),
      saveLayers: (p) => void this.session.apply(saveLayerDocument(this.session.snapshot(), { document: p.document, at: at() })),
      listModels: () => this.models.list(),
      addModel: (p) => this.models.add(p),
      cancelModelDownload: (p) => this.models.cancel(p),
      removeModel: (p) => this.models.remove(p),
      importModelFolder: (p) => this.models.importFolder(p),
      verifyModel: (p) => this.models.verify(p),
      testModel: (p) => this.models.testRun(p),
      fitModel: (p) => this.models.fit(p),
      startBatch: checked((p) => batches.start(p)),
      cancelBatch: (p) => batches.cancel(p),
      exportBatch: (p) => batches.export(p),
      pauseBatch: (p) => batches.pause(p),
      calibrateBatch: checked((p) => batches.calibrate(p)),
    }
  }

  /** Validates and runs one request. Rejects with a StudioError whose data crosses the wire. */
  async handle(name: unknown, params: unknown): Promise<unknown> {
    if (!isRequestName(name)) throw new StudioError(studioError('request.unknown', `Unknown request ${String(name).slice(0, 60)}.`))
    const valid = validateRequest(name, params)
    if (!valid.ok) throw new StudioError(valid.error)
    const handler = this.handlers[name] as (p: unknown) => unknown
    return handler(valid.value)
  }

  onEvent(listener: (e: StudioEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  /** Reads the engine's models ahead of the first generation, so it is not kept waiting. */
  warmUp(): void {
    this.prompts.warm()
  }

  /** Resumes queued jobs of the project (after a restart). */
  resumeQueue(): void {
    void this.jobs.kick()
  }

  async close(): Promise<void> {
    this.jobs.dispose()
    this.models.dispose()
    await this.batches.dispose()
    for (const off of this.unsubscribe) off()
    this.eventListeners.clear()
    this.session.close()
  }

  private async describeEngine(): Promise<EngineDescription> {
    return this.engine.describe()
  }

  private emit(event: StudioEvent): void {
    for (const listener of this.eventListeners) listener(event)
  }
}

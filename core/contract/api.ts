/**
 * The one contract between the renderer and the host. Two transports carry it — Electron IPC
 * (preload contextBridge) and a WebSocket (web host) — and both validate every request with the
 * schemas in `RequestSchemas` before a service sees it. The renderer never knows which it has.
 */
import { z } from 'zod'
import type { GenerationSettings } from '../domain/generationParameters'
import { isId, type BlobHash, type FrameId, type JobId, type LayerId, type NodeId } from '../ids'
import type { EngineDescription, EngineState } from '../domain/engineTypes'
import { TEXT_FONTS, type BlobMeta, type ProjectState } from '../domain/model'
import { REGION_PRESETS } from '../domain/regionPreset'
import type { ModelDownloadStatus, ModelsOverview } from '../domain/modelCards'
import type { TestRunResult } from '../domain/modelTest'
import type { ProjectDiff } from '../domain/projectDiff'
import type { StudioErrorData } from '../result'
import { generationJobSchema, inRange, samplingFields } from './generationJob'
import { fitRequestSchema, type ModelFit } from './modelFit'
import { EXPORT_SCALE_LIMITS, MAX_IMAGE_SIDE, SAMPLING_LIMITS } from '../limits'

/** An id; never a name of Object.prototype's (a lookup by "toString" found a function, not a node). */
const id = z.string().refine(isId, 'not an id')
const nodeId = id.transform((v) => v as NodeId)
const frameId = id.transform((v) => v as FrameId)
const blobHash = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'not a sha256 hash')
  .transform((v) => v as BlobHash)
/** Model ids are folder names: lower-case letters, digits, “.”, “_”, “-”. */
const modelId = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'not a model id')
const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes')

const seed = samplingFields.seed
const prompt = generationJobSchema.shape.prompt.min(1)
/** Optional sampling settings (the generation job's own fields); the project's defaults fill what is missing. */
const sampling = {
  model: generationJobSchema.shape.model.optional(),
  seed: seed.optional(),
  steps: samplingFields.steps.optional(),
  guidance: samplingFields.guidance.optional(),
}

/**
 * A Redis queue of `kontext worker`s: redis:// or rediss:// (TLS), the password in the URL or in
 * the host's $KONTEXT_REDIS_PASSWORD. Kept in the host's memory only, never stored or echoed.
 */
const batchQueue = z
  .object({
    url: z.string().min(1).max(2000),
    queueName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, 'a queue name is letters, digits, “.”, “_” or “-”')
      .optional(),
  })
  .strict()

const transform = z
  .object({
    x: z.number().finite(),
    y: z.number().finite(),
    scaleX: z.number().finite(),
    scaleY: z.number().finite(),
    rotation: z.number().finite(),
  })
  .strict()
const layerBase = {
  id: id.transform((v) => v as LayerId),
  name: z.string().max(200),
  visible: z.boolean(),
  locked: z.boolean(),
  opacity: z.number().min(0).max(1),
  transform,
}
const layer = z.discriminatedUnion('kind', [
  z
    .object({
      ...layerBase,
      kind: z.literal('image'),
      blob: blobHash,
      width: z.number().int().positive(),
      height: z.number().int().positive(),
    })
    .strict(),
  z.object({ ...layerBase, kind: z.literal('paint'), blob: blobHash.nullable(), isMask: z.boolean() }).strict(),
  z
    .object({
      ...layerBase,
      kind: z.literal('text'),
      text: z.string().max(5000),
      fontSize: z.number().positive().max(2000),
      color: z.string().max(40),
      fontFamily: z.enum(TEXT_FONTS).optional(),
      fontWeight: z.enum(['normal', 'bold']).optional(),
      align: z.enum(['left', 'center', 'right']).optional(),
    })
    .strict(),
])
const layerDocument = z
  .object({
    nodeId,
    width: z.number().int().positive().max(MAX_IMAGE_SIDE),
    height: z.number().int().positive().max(MAX_IMAGE_SIDE),
    layers: z.array(layer).max(200).readonly(),
  })
  .strict()

export { MAX_IMAGE_SIDE, MAX_IMPORT_BYTES } from '../limits'

export const RequestSchemas = {
  getProject: z.object({}).strict(),
  /** The project's name and its defaults for new generations. */
  updateProject: z
    .object({
      name: z.string().min(1).max(200).optional(),
      defaultModel: z.string().min(1).max(100).optional(),
      steps: samplingFields.steps.optional(),
      guidance: samplingFields.guidance.optional(),
    })
    .strict(),
  importImage: z
    .object({
      fileName: z.string().min(1).max(255),
      bytes,
      parentId: nodeId.nullable().optional(),
    })
    .strict(),
  describeEngine: z.object({}).strict(),
  generate: z
    .object({
      parentId: nodeId.nullable(),
      prompt,
      contextBlobs: z.array(blobHash).max(4),
      /** A flattened composite or other new context image, stored before queuing. */
      contextUploads: z.array(bytes).max(4).optional(),
      /** Chain onto a parent still generating: its result becomes the first context when this job starts. */
      contextFromParent: z.boolean().optional(),
      /** A painted mask (white = edit) the size of the first context: edit only there, keep the rest. */
      regionMask: bytes.optional(),
      ...sampling,
      width: inRange(SAMPLING_LIMITS.side).optional(),
      height: inRange(SAMPLING_LIMITS.side).optional(),
    })
    .strict(),
  /**
   * The queue is addressed by node id. `withChildren`: also cancel the queued nodes that wait on
   * this one's result; without it they stay queued and run once this node is retried.
   */
  cancelJob: z.object({ nodeId, withChildren: z.boolean().optional() }).strict(),
  setNodeLabel: z.object({ nodeId, label: z.string().max(200).nullable() }).strict(),
  setNodeStarred: z.object({ nodeId, starred: z.boolean() }).strict(),
  trashBranch: z.object({ nodeId }).strict(),
  restoreBranch: z.object({ nodeId }).strict(),
  emptyTrash: z.object({}).strict(),
  rerunWithSeed: z.object({ nodeId, seed: seed.optional() }).strict(),
  rerunBranch: z.object({ fromAncestorId: nodeId, leafId: nodeId, ontoNodeId: nodeId }).strict(),
  reorderJob: z.object({ nodeId, toIndex: z.number().int().min(0).max(100_000) }).strict(),
  retryJob: z.object({ nodeId }).strict(),
  cancelAllJobs: z.object({}).strict(),
  addFrame: z.object({ nodeId, index: z.number().int().min(0).max(100_000).optional(), title: z.string().max(200).optional() }).strict(),
  moveFrame: z.object({ frameId, toIndex: z.number().int().min(0).max(100_000) }).strict(),
  updateFrame: z
    .object({
      frameId,
      title: z.string().max(200).optional(),
      notes: z.string().max(10_000).optional(),
      durationMs: z.number().int().min(40).max(600_000).optional(),
      nodeId: nodeId.optional(),
    })
    .strict(),
  removeFrame: z.object({ frameId }).strict(),
  nextShot: z
    .object({
      afterFrameId: frameId,
      prompt,
      pinnedFrameIds: z.array(frameId).max(3),
      /** The shot's frame shape; without it the shot keeps the previous frame's size. */
      aspect: z.enum(['16:9', '2.39:1', '4:5', '1:1']).optional(),
      ...sampling,
    })
    .strict(),
  applyToFrames: z.object({ frameIds: z.array(frameId).min(1).max(200), prompt, ...sampling }).strict(),
  acceptCandidate: z.object({ frameId }).strict(),
  discardCandidate: z.object({ frameId }).strict(),
  exportNode: z.object({ nodeId, format: z.enum(['png', 'jpeg', 'webp']), scale: inRange(EXPORT_SCALE_LIMITS).optional() }).strict(),
  exportStoryboard: z.object({ format: z.enum(['pdf', 'gif', 'png-sequence']) }).strict(),
  exportBranch: z.object({ leafId: nodeId }).strict(),
  /** The node's layers as the user sees them (flattened by the renderer), saved with its lineage. */
  exportComposite: z.object({ nodeId, png: bytes }).strict(),
  /** With `against`, also the drift between the two nodes (Compare's A and B). */
  measureDrift: z.object({ nodeId, against: nodeId.optional() }).strict(),
  /** Nodes whose instruction or name holds every word (word prefixes), best first. */
  searchNodes: z.object({ text: z.string().min(1).max(200), limit: z.number().int().min(1).max(500).optional() }).strict(),
  /** Stores an image without making a node (a product shot dropped onto the canvas as a layer). */
  storeImage: z.object({ fileName: z.string().min(1).max(255), bytes }).strict(),
  saveLayers: z.object({ document: layerDocument }).strict(),
  // The Models page. A hub token given here is kept in the host's memory only (never in a project or a log).
  listModels: z.object({}).strict(),
  addModel: z
    .object({
      catalogueId: modelId,
      precision: z.enum(['bf16', 'fp8']).optional(),
      token: z
        .string()
        .regex(/^hf_[A-Za-z0-9]{8,200}$/, 'not a hub token (hf_…)')
        .optional(),
    })
    .strict(),
  /** `discard: false` pauses (the partial download stays and Add resumes it); `true` cancels and cleans up. */
  cancelModelDownload: z.object({ id: modelId, discard: z.boolean() }).strict(),
  removeModel: z.object({ id: modelId }).strict(),
  /** A folder already on disk, used in place (the web host cannot show a folder picker: a typed path). */
  /** `quantise`: build the model's weight MatMuls as int8/int4 MatMulNBits (a fit option, shown on its card). */
  importModelFolder: z
    .object({ path: z.string().min(1).max(4096), id: modelId.optional(), quantise: z.enum(['int8', 'int4']).optional() })
    .strict(),
  verifyModel: z.object({ id: modelId }).strict(),
  /** One real step of the model through the studio's engine: success or the reason, and the time. */
  testModel: z.object({ id: modelId }).strict(),
  /** The Fit section: the model's memory plan for a size and references, and the ways to fit (nothing is applied). */
  fitModel: fitRequestSchema,
  /**
   * One instruction over many photos already stored with `storeImage`: each becomes its own import
   * root (labelled with the batch) with one edit job queued under it.
   */
  startBatch: z
    .object({
      items: z
        .array(z.object({ fileName: z.string().min(1).max(255), blob: blobHash }).strict())
        .min(1)
        .max(500),
      prompt,
      ...sampling,
      /** Stored reference images, given to every item after its photo (contexts 2, 3, …). */
      refs: z.array(blobHash).max(8).optional(),
      /** Run on `kontext worker`s through this Redis queue instead of the studio's own queue. */
      queue: batchQueue.optional(),
      /** Which part of each photo may change; each item's mask is made from its photo (absent = whole image). */
      region: z.enum(REGION_PRESETS).optional(),
    })
    .strict(),
  /** Cancels the batch's queued and running jobs. */
  cancelBatch: z.object({ batchId: id }).strict(),
  /** The batch's accepted (starred) results as a zip, named like the input files. */
  exportBatch: z.object({ batchId: id }).strict(),
  /** Pauses (items not started wait, the running one finishes) or resumes a batch; kept across restarts. */
  pauseBatch: z.object({ batchId: id, paused: z.boolean(), queue: batchQueue.optional() }).strict(),
  /**
   * One real edit of a batch's first photo, timed (the result is not kept): what the plan's
   * estimate is measured from. Waits for the engine if a job is running.
   */
  calibrateBatch: z
    .object({ blob: blobHash, prompt, ...sampling, refs: z.array(blobHash).max(8).optional(), region: z.enum(REGION_PRESETS).optional() })
    .strict(),
} as const

export type RequestName = keyof typeof RequestSchemas
export type RequestParams<K extends RequestName> = z.input<(typeof RequestSchemas)[K]>
/** Params after validation (ids branded). */
export type ValidParams<K extends RequestName> = z.output<(typeof RequestSchemas)[K]>

export interface ImportResult {
  readonly nodeId: NodeId
  readonly blob: BlobHash
  /** The instruction and settings the file's text chunks carry (a studio or other tool's PNG), if any. */
  readonly settings: GenerationSettings | null
}
export interface GenerateResult {
  readonly nodeId: NodeId
  readonly jobId: JobId
}

/**
 * How the project is open, for the renderer to say: read-only (a damaged or inconsistent file the
 * user chose to look at), and what is wrong with it. Absent when the project is open as usual.
 */
export interface ProjectAccess {
  readonly readOnly: boolean
  /** What the open-time check found, one sentence each (records named by id, not by contents). */
  readonly problems: readonly string[]
}

/** What each request resolves to. */
export interface RequestResults {
  getProject: ProjectState & { readonly access?: ProjectAccess }
  updateProject: void
  importImage: ImportResult
  describeEngine: EngineDescription
  generate: GenerateResult
  /** `children`: how many waiting children were cancelled with it. */
  cancelJob: { readonly cancelled: boolean; readonly children: number }
  setNodeLabel: void
  setNodeStarred: void
  trashBranch: void
  restoreBranch: void
  emptyTrash: { readonly removedNodes: number; readonly freedBytes: number }
  rerunWithSeed: GenerateResult
  rerunBranch: { readonly nodeIds: readonly NodeId[] }
  reorderJob: void
  retryJob: void
  cancelAllJobs: { readonly cancelled: number }
  addFrame: { readonly frameId: FrameId }
  moveFrame: void
  updateFrame: void
  removeFrame: void
  nextShot: GenerateResult & { readonly frameId: FrameId }
  applyToFrames: { readonly nodeIds: readonly NodeId[] }
  acceptCandidate: void
  discardCandidate: void
  exportNode: ExportedFile
  exportStoryboard: ExportedFile
  exportBranch: ExportedFile
  exportComposite: ExportedFile
  /** 0 = unchanged; 1 = nothing in common (1 − mean SSIM), outside the edited region. */
  measureDrift: {
    readonly measure: 'ssim'
    readonly fromParent: number | null
    readonly fromRoot: number | null
    readonly between: number | null
  }
  searchNodes: { readonly nodeIds: readonly NodeId[] }
  storeImage: BlobMeta
  saveLayers: void
  listModels: ModelsOverview
  addModel: { readonly started: boolean }
  cancelModelDownload: { readonly cancelled: boolean }
  removeModel: void
  importModelFolder: { readonly id: string }
  verifyModel: { readonly problems: readonly string[] }
  testModel: TestRunResult
  fitModel: ModelFit
  startBatch: {
    readonly batchId: string
    readonly items: readonly { readonly nodeId: NodeId; readonly editNodeId: NodeId; readonly jobId: JobId }[]
  }
  cancelBatch: { readonly cancelled: number }
  exportBatch: ExportedFile
  pauseBatch: { readonly paused: boolean }
  /** How long the one edit took in the engine, and at how many steps. */
  calibrateBatch: { readonly editMs: number; readonly steps: number }
}

/** A file made by an export, for the renderer to save where the user chooses. */
export interface ExportedFile {
  readonly fileName: string
  readonly mimeType: string
  readonly bytes: Uint8Array
}

export type StudioRequests = {
  [K in RequestName]: (params: RequestParams<K>) => Promise<RequestResults[K]>
}

/** Host → renderer notifications. */
export type StudioEvent =
  | { readonly kind: 'projectChanged'; readonly diff: ProjectDiff }
  | {
      readonly kind: 'jobProgress'
      readonly jobId: JobId
      readonly nodeId: NodeId
      readonly step: number
      readonly totalSteps: number
      /** A cheap preview of the current latent as a PNG, when the engine sends one. */
      readonly preview: Uint8Array | null
    }
  | { readonly kind: 'engineState'; readonly state: EngineState; readonly reason: string | null }
  | { readonly kind: 'modelDownload'; readonly status: ModelDownloadStatus }

export interface StudioApi extends StudioRequests {
  onEvent(listener: (event: StudioEvent) => void): () => void
  /** A URL the renderer can load the blob's image from (same origin, so canvases stay untainted). */
  blobUrl(hash: BlobHash): string
  /** A small (160 px) PNG of the blob for lists and the history tree. */
  thumbUrl(hash: BlobHash): string
}

/** Every request fails with this shape, whichever transport carried it. */
export type RequestFailure = StudioErrorData

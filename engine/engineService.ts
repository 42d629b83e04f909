/**
 * The engine in one object: model folders → manifests → pipelines, and a job → PNG. Both the
 * engine process (host.ts) and the CLI drive this; it knows nothing of processes or terminals.
 */
import { sha256Hex } from './hashing'
import { freemem } from 'node:os'
import type { ComponentPlacement, EngineDescription, EngineState, ModelSummary } from '../core/domain/engineTypes'
import {
  describeJobIssue,
  generationJobSchema,
  type GenerationJob,
  type GenerationMask,
  type GenerationResult,
} from '../core/contract/generationJob'
import { StudioError, studioError, toErrorData, type Result, err, ok } from '../core/result'
import { decodeRgbForModel, encodePreviewPng, encodeRgbPng, probeImage } from './image/imageIo'
import { loadManifest } from './manifest/validate'
import type { ModelManifest } from './manifest/schema'
import { NOISE_VERSION } from './math/noise'
import { planesToRgb, rgbToPlanes } from './math/imagePlanes'
import { openCheckpointFolder, type CheckpointFolder } from './pipeline/checkpointFolder'
import { modelFit } from './plan/modelFit'
import type { FitRequest, ModelFit } from '../core/contract/modelFit'
import { CheckpointKontextModels } from './pipeline/checkpointModels'
import { storeFolderTarget } from './models/storeFolder'
import type { QuantiseSettings } from './quantise/quantiseGraph'
import { KontextPipeline } from './pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig } from './pipeline/ortModels'
import type { ContextSource, KontextModels } from './pipeline/types'
import { prepareRegion } from './regionEdit'
import { listProviders, ortVersion, SessionPool } from './sessions'
import { builtPrecisionFromEnv, checkJobFits, graphCacheDir, isCheckpointFolder, withStoreIdentity } from './checkpointJobs'
import type { GeneratedImage, ModelProblem, RunHooks } from './engineShapes'
import { isCheapDecode, previewChooser, previewScale, type DecodeCost } from './previewPolicy'

/** What the engine needs of a model beyond the pipeline's four calls. */
interface EngineModels extends KontextModels {
  readonly ortMs: number
  readonly vocabulary: readonly string[] | null
  readonly provider?: string | null
  /** Where each component ran so far (absent: not tracked by this kind of model). */
  readonly placement?: readonly ComponentPlacement[]
  loadAll(): Promise<void>
  release?(): Promise<void>
}

interface ModelEntry {
  readonly dir: string
  readonly manifest: ModelManifest
  /** Set for a folder of safetensors whose graphs the engine builds (no model.json). */
  readonly checkpoint?: CheckpointFolder
  /** The weight quantisation its install record asks for (built graphs only), and its name. */
  readonly quantise?: QuantiseSettings | null
  readonly quantiseMode?: string | null
}

interface LoadedModel {
  readonly dir: string
  readonly manifest: ModelManifest
  readonly models: EngineModels
  readonly pipeline: KontextPipeline
  readonly checkpoint?: CheckpointFolder
  readonly quantise?: QuantiseSettings | null
  readonly quantiseMode?: string | null
  /** What this model's last decode cost next to one of its steps; null before its first job. */
  decodeCost: DecodeCost | null
}

export type { ModelProblem, RunHooks } from './engineShapes'

export class KontextEngine {
  readonly pool: SessionPool
  private readonly loaded = new Map<string, LoadedModel>()
  readonly problems: ModelProblem[] = []
  private readonly log: ((line: string) => void) | undefined
  /** The model of the last job (its placement is what `describe` reports). */
  private lastModel: string | null = null

  /**
   * Opens every folder's manifest and tokenizers now (graphs load lazily). A folder that fails is
   * recorded in `problems` and skipped; one broken folder never stops the others.
   */
  /** Memory free now (the system's; tests pass their own). */
  private readonly freeMemory: () => number

  constructor(opts: { modelDirs: readonly string[]; provider?: string; log?: (line: string) => void; freeMemory?: () => number }) {
    this.freeMemory = opts.freeMemory ?? freemem
    this.pool = new SessionPool({ ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.log ? { log: opts.log } : {}) })
    this.log = opts.log
    const problem = (dir: string, message: string) => {
      this.problems.push({ dir, message })
      opts.log?.(`engine: skipping ${dir}: ${message}`)
    }
    for (const listed of opts.modelDirs) {
      // A store folder: a download, or a linked folder's record (the files are elsewhere).
      const target = storeFolderTarget(listed)
      if (target.kind === 'unusable') {
        problem(listed, target.reason)
        continue
      }
      const dir = target.dir
      const store = target.kind === 'store' ? target : null
      if (isCheckpointFolder(dir)) {
        const opened = openCheckpointFolder(dir, { freeBytes: this.freeMemory(), quantise: store?.quantise ?? null })
        const c = opened.ok && store ? ok(withStoreIdentity(opened.value, store)) : opened
        if (!c.ok) problem(dir, c.error.message)
        else if (this.loaded.has(c.value.manifest.id))
          problem(dir, `The model id “${c.value.manifest.id}” is already used; this copy is ignored.`)
        else {
          const entry = {
            dir,
            manifest: c.value.manifest,
            checkpoint: c.value,
            quantise: store?.quantise ?? null,
            quantiseMode: store?.quantiseMode ?? null,
          }
          const models = this.createModels(entry)
          this.loaded.set(entry.manifest.id, {
            ...entry,
            models,
            pipeline: new KontextPipeline(models, pipelineConfig(entry.manifest)),
            decodeCost: null,
          })
        }
        continue
      }
      const m = loadManifest(dir)
      if (!m.ok) {
        problem(dir, m.error.message)
        continue
      }
      const manifest = m.value
      let models: OrtKontextModels
      try {
        models = new OrtKontextModels(manifest, dir, this.pool)
      } catch (e) {
        problem(dir, toErrorData(e, 'model.invalid').message)
        continue
      }
      const first = this.loaded.get(manifest.id)
      if (first) {
        problem(dir, `The model id “${manifest.id}” is already used by ${first.dir}; this copy is ignored.`)
        continue
      }
      this.loaded.set(manifest.id, {
        dir,
        manifest,
        models,
        pipeline: new KontextPipeline(models, pipelineConfig(manifest)),
        decodeCost: null,
      })
    }
  }

  /** The provider the last graph ran on: the pool's, or a built graph's (those open from memory). */
  get activeProvider(): string | null {
    for (const m of this.loaded.values()) if (m.models.provider) return m.models.provider
    return this.pool.activeProvider
  }

  /** Checks the provider choice up front (an unsupported name is an error, not a silent CPU run). */
  checkProvider(): Result<string[]> {
    const r = this.pool.checkProvider()
    return r.ok ? ok([...r.value]) : err(r.error)
  }

  private model(id: string): LoadedModel {
    const hit = this.loaded.get(id)
    if (hit) return hit
    const known = [...this.loaded.keys()].join(', ') || 'none'
    const broken = this.problems.length
      ? ` (${this.problems.length} model folder${this.problems.length === 1 ? ' is' : 's are'} broken: run \`kontext models\`)`
      : ''
    throw new StudioError(studioError('model.unknown', `No model “${id}” is installed.`, `Installed models: ${known}${broken}.`))
  }

  private createModels(entry: ModelEntry): EngineModels {
    if (!entry.checkpoint) return new OrtKontextModels(entry.manifest, entry.dir, this.pool)
    const ladder = this.pool.checkProvider()
    return new CheckpointKontextModels(entry.checkpoint, {
      providers: ladder.ok ? ladder.value : ['cpu'],
      builtPrecision: builtPrecisionFromEnv(),
      files: this.pool,
      cacheDir: graphCacheDir(),
      quantise: entry.quantise ?? null,
      ...(this.log ? { log: this.log } : {}),
    })
  }

  /** Creates every session of a model and checks it against its manifest (reports all problems). */
  async prepare(id: string): Promise<void> {
    await this.model(id).models.loadAll()
  }

  /** The Fit panel of one model: its memory plan for a size and references, against the memory free now. */
  planFit(req: FitRequest): ModelFit {
    const m = this.model(req.model)
    const open = m.models instanceof CheckpointKontextModels ? m.models.openGraphs() : []
    return modelFit(
      {
        manifest: m.manifest,
        ...(m.checkpoint ? { checkpoint: m.checkpoint } : {}),
        quantiseMode: m.quantiseMode ?? null,
        openGraphs: open,
      },
      req,
      this.freeMemory(),
    )
  }

  summaries(): ModelSummary[] {
    return [...this.loaded.values()].map(({ dir, manifest: m, models }) => ({
      id: m.id,
      name: m.name,
      dir,
      defaultSteps: m.defaults.steps,
      defaultGuidance: m.defaults.guidance,
      resolutions: m.resolutions.map(([w, h]) => [w, h] as const),
      vocabulary: models.vocabulary,
      maxContexts: m.rope.maxContexts,
    }))
  }

  /** Where each component of the last job's model ran ([] before a job). */
  get placement(): ComponentPlacement[] {
    const m = this.lastModel === null ? undefined : this.loaded.get(this.lastModel)
    return [...(m?.models.placement ?? [])]
  }

  describe(state: EngineState, restarts = 0): EngineDescription {
    return {
      placement: this.placement,
      state,
      ortVersion: ortVersion(),
      providers: listProviders(),
      activeProvider: this.activeProvider,
      models: this.summaries(),
      brokenModels: this.problems.map((p) => ({ ...p })),
      pid: process.pid,
      restarts,
    }
  }

  private async contextSource(bytes: Uint8Array, index: number): Promise<ContextSource> {
    const name = `context image ${index + 1}`
    const size = await probeImage(bytes, name)
    if (!size.ok) throw new StudioError(size.error)
    return {
      hash: sha256Hex(bytes),
      ...size.value,
      async load(width, height) {
        const rgb = await decodeRgbForModel(bytes, width, height, name)
        if (!rgb.ok) throw new StudioError(rgb.error)
        return rgbToPlanes(rgb.value, width, height)
      },
    }
  }

  /**
   * Runs one job. Every caller (the engine process, the CLI, batch) goes through the one schema
   * here, so a value outside the studio's limits is refused the same way everywhere. A job with a
   * mask is a region edit: crop around the mask, edit the crop, blend it back (everything outside
   * the mask keeps the image's pixels).
   */
  async run(job: GenerationJob, hooks: RunHooks = {}): Promise<GenerationResult> {
    const checked = generationJobSchema.safeParse(job)
    if (!checked.success)
      throw new StudioError(studioError('job.invalid', `The job was refused: ${describeJobIssue(checked.error)}.`, 'Check its settings.'))
    if (job.mask) return this.runRegion(job, job.mask, hooks)
    const out = await this.generate(job, hooks)
    const encodeStart = performance.now()
    const png = await encodeRgbPng(out.rgb, out.width, out.height, out.text)
    return { png, width: out.width, height: out.height, timingsMs: { ...out.timingsMs, encode: performance.now() - encodeStart } }
  }

  private async runRegion(job: GenerationJob, mask: GenerationMask, hooks: RunHooks): Promise<GenerationResult> {
    const start = performance.now()
    const [image, ...references] = job.contexts
    const region = await prepareRegion(image, mask)
    // The crop's own shape picks the model's resolution (a size asked for the whole image does not fit it).
    const { width: _w, height: _h, mask: _m, ...rest } = job
    const prepared = performance.now() - start
    const out = await this.generate({ ...rest, contexts: [region.cropPng, ...references] }, hooks)
    const blendStart = performance.now()
    const text: Record<string, string> = {
      ...out.text,
      // Provenance names the image edited, not the crop the model saw.
      contexts: job.contexts.map((c) => sha256Hex(c)).join(','),
      parent: sha256Hex(image as Uint8Array),
      region: `${region.crop.x},${region.crop.y},${region.crop.width}x${region.crop.height}`,
      feather: String(region.feather),
    }
    text.width = String(region.width)
    text.height = String(region.height)
    const png = await region.blend(out.rgb, out.width, out.height, text)
    const timingsMs = { ...out.timingsMs, region: prepared + (performance.now() - blendStart) }
    return { png, width: region.width, height: region.height, timingsMs }
  }

  /** The pipeline's run: RGB pixels and the text the PNG will carry (encoding is the caller's). */
  private async generate(job: Omit<GenerationJob, 'mask'>, hooks: RunHooks): Promise<GeneratedImage> {
    const m = this.model(job.model)
    this.lastModel = job.model
    const contexts = await Promise.all(job.contexts.map((b, i) => this.contextSource(b, i)))
    const previews = hooks.previews ?? true
    const decodePreviews = previews && hooks.onProgress !== undefined && isCheapDecode(m.decodeCost)
    if (m.checkpoint && m.models instanceof CheckpointKontextModels)
      checkJobFits(
        m.checkpoint,
        m.models,
        m.pipeline.chooseTargetSize({ ...job, contexts }),
        contexts.length,
        decodePreviews,
        this.freeMemory(),
        m.quantise ?? null,
      )
    const ortBefore = m.models.ortMs
    const previewFor = previewChooser({
      wanted: previews && hooks.onProgress !== undefined,
      decodeMs: decodePreviews ? (m.decodeCost?.decodeMs ?? null) : null,
      ...(hooks.previewFor ? { pinned: hooks.previewFor } : {}),
    })
    let pending: Promise<void> = Promise.resolve()
    const out = await m.pipeline.generate({
      prompt: job.prompt,
      contexts,
      seed: job.seed,
      steps: job.steps,
      guidance: job.guidance,
      ...(job.width !== undefined ? { width: job.width } : {}),
      ...(job.height !== undefined ? { height: job.height } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      previewFor: previewFor.choose,
      onStep: (e) => {
        if (!hooks.onProgress) return
        const report = hooks.onProgress
        const down = m.manifest.latent.downsample
        // Previews are encoded off the step's critical path; order is kept by chaining.
        pending = pending.then(async () => {
          const encodeStart = performance.now()
          const previewPng = e.decoded
            ? await encodePreviewPng(planesToRgb(e.decoded), e.decoded.width, e.decoded.height, 1)
            : e.preview
              ? await encodePreviewPng(e.preview.rgb, e.preview.width, e.preview.height, previewScale(e.preview.width, down))
              : null
          if (previewPng) previewFor.spent(e.decoded ? 'decode' : 'latent', e.previewMs + performance.now() - encodeStart)
          report({ step: e.step, totalSteps: e.totalSteps, previewPng })
        })
      },
    })
    await pending
    const decodeMs = out.timingsMs.decode
    const stepMs = out.timingsMs.denoise !== undefined ? out.timingsMs.denoise / Math.max(1, job.steps) : undefined
    m.decodeCost = decodeMs !== undefined && stepMs !== undefined ? { decodeMs, stepMs } : null
    const text: Record<string, string> = {
      Software: 'Kontext Studio',
      prompt: job.prompt,
      model: job.model,
      seed: String(job.seed),
      steps: String(job.steps),
      guidance: String(job.guidance),
      width: String(out.width),
      height: String(out.height),
      noise: `philox2x32-boxmuller-v${NOISE_VERSION}`,
      contexts: contexts.map((c) => c.hash).join(','),
      // The image this one was edited from (sha256 of its file, as the studio's blobs are addressed).
      ...(contexts[0] ? { parent: contexts[0].hash } : {}),
    }
    const rgb = planesToRgb(out.image)
    return { rgb, width: out.width, height: out.height, text, timingsMs: { ...out.timingsMs, ort: m.models.ortMs - ortBefore } }
  }

  /** Frees every session (memory back to the OS between jobs when asked). */
  async release(): Promise<number> {
    for (const m of this.loaded.values()) {
      m.pipeline.promptCache.clear()
      m.pipeline.contextCache.clear()
      await m.models.release?.()
    }
    return this.pool.release()
  }
}

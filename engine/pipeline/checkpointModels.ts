/**
 * `KontextModels` for a folder of safetensors: the engine builds the five graphs (CLIP, T5,
 * transformer, autoencoder encode/decode) from the checkpoint's tensors the first time each is
 * needed and runs them with onnxruntime. Small graphs are opened from memory; a graph whose
 * weights pass `inlineMaxBytes` is written once as `.onnx` + external-data `.weights` under the
 * cache folder, keyed by the source files' paths, sizes and modification times, and reused.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildComponent, type ComponentConfig, type GraphComponent } from '../graph/components'
import { writeGraphFiles } from '../graph/graphFiles'
import { bflNamesFromDiffusers } from '../graph/diffusersSource'
import { readerTensorSource, type FloatWeightReader, type TensorSource } from '../graph/tensorSource'
import { planPrecision, type BuiltPrecisionChoice, type PlanComponent, type PrecisionPlan, type StoredDtype } from '../precision/plan'
import type { Fp16Counts } from '../precision/bf16ToFp16'
import { quantiseGraphFiles } from '../quantise/quantiseFiles'
import { quantiseModel, type QuantiseReport, type QuantiseSettings } from '../quantise/quantiseGraph'
import type { ImagePlanes } from '../math/imagePlanes'
import type { Latent } from '../math/packing'
import { openGraphBytes, providerFailureReason, type LoadedSession, type ProviderName, type TensorData } from '../sessions'
import type { ClipTokenizer } from '../tokenizers/clipTokenizer'
import type { T5Tokenizer } from '../tokenizers/t5Tokenizer'
import { BUNDLED_CLIP_MERGES } from '../tokenizers/bundled'
import { loadFolderTokenizers, openComponent, type ComponentFound } from '../weights/index'
import type { CheckpointFolder } from './checkpointFolder'
import type { ComponentPlacement } from '../../core/domain/engineTypes'
import { collectGarbage } from './collectGarbage'
import type { KontextModels, PipelinePhase, TextEmbedding, VelocityInput } from './types'

/** Opens a graph file by path on the engine's provider ladder (the SessionPool). */
export interface GraphFileOpener {
  get(model: string, component: string, path: string): Promise<LoadedSession>
  release?(model: string, component: string): Promise<number>
}

export interface CheckpointModelsOptions {
  /** Providers to try for in-memory graphs, in order (CPU last). */
  readonly providers: readonly ProviderName[]
  readonly files: GraphFileOpener
  /** Where large graphs are written ($KONTEXT_STUDIO_HOME/cache/graphs). */
  readonly cacheDir: string
  /** Graphs with more weight bytes than this go through files (default 1 GiB; protobuf's limit is 2 GB). */
  readonly inlineMaxBytes?: number
  readonly log?: (line: string) => void
  /** Weight-only quantisation of the MatMul weights (the model's install record says which), or none. */
  readonly quantise?: QuantiseSettings | null
  /**
   * Hold only the graphs of the current phase (engine/plan/memoryPlan.ts: text encoders → encode →
   * transformer → decode), releasing the others as the pipeline moves on, when all of them at once
   * would not fit. Every job then loads each graph again.
   */
  readonly sequential?: boolean
  /** Point graph files at float32 weights in the checkpoint instead of copying them (default true). */
  readonly zeroCopy?: boolean
  /** Built graphs' precision: the provider's default (auto: fp16 transformer on the GPU providers) or forced. */
  readonly builtPrecision?: BuiltPrecisionChoice
}

/** The graphs each phase of the pipeline runs (a step preview's decode opens the decoder beside). */
export const PHASE_GRAPHS: Record<PipelinePhase, readonly GraphComponent[]> = {
  text: ['clip', 't5'],
  encode: ['ae-encode'],
  denoise: ['transformer'],
  decode: ['ae-decode'],
  done: [],
}

/** Which of the folder's components each graph is built from. */
export const COMPONENT_PART: Record<GraphComponent, keyof CheckpointFolder['parts']> = {
  transformer: 'transformer',
  'ae-encode': 'autoencoder',
  'ae-decode': 'autoencoder',
  clip: 'clip',
  t5: 't5',
}

/** The names the CLI and the status bar show (the same for manifest models). */
const PLACEMENT_NAME: Record<GraphComponent, string> = {
  clip: 'clip',
  t5: 't5',
  transformer: 'transformer',
  'ae-encode': 'vae-encoder',
  'ae-decode': 'vae-decoder',
}

const PLAN_COMPONENT: Record<GraphComponent, PlanComponent> = {
  clip: 'clip',
  t5: 't5',
  transformer: 'transformer',
  'ae-encode': 'autoencoder',
  'ae-decode': 'autoencoder',
}
const STORED: Partial<Record<string, StoredDtype>> = { F32: 'fp32', F64: 'fp32', F16: 'fp16', BF16: 'bf16', F8_E4M3: 'fp8', F8_E5M2: 'fp8' }

/** What converting to fp16 lost, in the engine log's words. */
export const fp16CountsLine = (component: string, c: Fp16Counts): string =>
  `engine: ${component}: ${c.values} weights converted to fp16 while building: ${c.clamped} clamped to ±65504, ${c.flushed} flushed to zero${c.nonFinite ? `, ${c.nonFinite} NaN/Inf kept` : ''}`

const f32 = (data: Float32Array, dims: number[]): TensorData => ({ dtype: 'float32', data, dims })
const ids64 = (ids: readonly number[]): TensorData => ({ dtype: 'int64', data: BigInt64Array.from(ids.map(BigInt)), dims: [1, ids.length] })

/** A stable key for a built graph: what was built, from which files as they are on disk now. */
export function graphCacheKey(dir: string, c: ComponentFound, component: GraphComponent, settings: unknown): string {
  const h = createHash('sha256').update(`${component}\u0000${JSON.stringify(settings)}\u0000${c.prefix}`)
  for (const f of c.files) {
    const s = statSync(resolve(dir, f))
    h.update(`\u0000${f}\u0000${s.size}\u0000${s.mtimeMs}`)
  }
  return h.digest('hex').slice(0, 24)
}

/** What the builders need beyond the tensors: RoPE axes/theta and CLIP's head count, from kontext.json or FLUX.1's. */
export function folderGraphSettings(folder: CheckpointFolder): ComponentConfig & { rope: { axesDim: number[]; theta: number } } {
  const m = folder.manifest
  return {
    rope: { axesDim: m.rope.axes, theta: m.rope.theta },
    ...(folder.config.clipHeads === undefined ? {} : { clipHeads: folder.config.clipHeads }),
  }
}

/**
 * fp8 checkpoints (ComfyUI's scaled fp8) store a weight as fp8 plus a per-tensor float scale
 * beside it (`x.scale_weight` or `x.weight_scale`): the real weight is their product.
 */
export function withFp8Scales(src: TensorSource): TensorSource {
  const scaleOf = (name: string): string | undefined => {
    if (!name.endsWith('.weight')) return undefined
    const base = name.slice(0, -'weight'.length)
    return [`${base}scale_weight`, `${base}weight_scale`].find((n) => src.shape(n) !== undefined)
  }
  return {
    names: src.names,
    shape: src.shape,
    // A scaled weight is not the file's bytes; an unscaled one (or any float32 tensor) is.
    stored: (name) => (scaleOf(name) ? undefined : src.stored?.(name)),
    get(name) {
      const t = src.get(name)
      const scaleName = scaleOf(name)
      if (!scaleName) return t
      const scale = src.get(scaleName).data
      if (scale.length !== 1) throw new Error(`${scaleName} holds ${scale.length} values; the engine takes one scale per tensor`)
      const k = scale[0]!
      return { ...t, data: k === 1 ? t.data : t.data.map((v) => v * k) }
    },
  }
}

/** A component's tensors as the builders read them: fp8 scales applied, diffusers names seen as BFL's. */
export function componentSource(found: ComponentFound, reader: FloatWeightReader, o: { inPlace?: boolean } = {}): TensorSource {
  const src = withFp8Scales(readerTensorSource(reader))
  const named =
    found.layout === 'diffusers' && (found.kind === 'transformer' || found.kind === 'autoencoder')
      ? bflNamesFromDiffusers(src, found.kind)
      : src
  if (o.inPlace ?? true) return named
  // Not in place: every weight is read and laid out by the builder (a Linear's as [in, out], the
  // plain MatMul weight the quantiser rewrites), instead of MatMul(x, Transpose(W-in-the-file)).
  return { names: () => named.names(), shape: (n) => named.shape(n), get: (n) => named.get(n) }
}

export class CheckpointKontextModels implements KontextModels {
  ortMs = 0
  readonly vocabulary = null
  /** The provider of the last graph opened (in-memory graphs do not go through the pool). */
  provider: ProviderName | null = null
  /** One phase's graphs at a time (set per job from the memory plan: engineService.ts). */
  sequential: boolean
  private readonly sessions = new Map<GraphComponent, Promise<LoadedSession & { release?: () => Promise<void> }>>()
  private readonly tokenizers: { clip: ClipTokenizer; t5: T5Tokenizer }
  /** Providers that failed to open a graph are not tried again (as the SessionPool does). */
  private readonly failed = new Set<ProviderName>()

  constructor(
    private readonly folder: CheckpointFolder,
    private readonly opts: CheckpointModelsOptions,
  ) {
    const t = loadFolderTokenizers(folder.inspection, BUNDLED_CLIP_MERGES)
    if (!t.clip || !t.t5) throw new Error('the folder’s tokenizers were found at inspection but could not be loaded')
    this.tokenizers = { clip: t.clip, t5: t.t5 }
    this.sequential = opts.sequential ?? false
  }

  /** The graphs open now (or opening). */
  openGraphs(): GraphComponent[] {
    return [...this.sessions.keys()]
  }

  private settings() {
    return folderGraphSettings(this.folder)
  }

  /** A component's precision plan for the provider its graph is opened on first (engine/precision/plan.ts). */
  precisionPlan(component: GraphComponent): PrecisionPlan {
    const provider = this.opts.providers.find((p) => !this.failed.has(p)) ?? 'cpu'
    const found = this.folder.parts[COMPONENT_PART[component]]
    const stored = STORED[found.precision.main] ?? 'fp32'
    return planPrecision({
      provider,
      component: PLAN_COMPONENT[component],
      stored,
      source: 'built',
      built: this.opts.builtPrecision ?? 'auto',
    })
  }

  /**
   * Whether `component` is built float16. A quantised model is not: the quantiser replaces float32
   * MatMul weights, and its activations stay float32.
   */
  private buildsHalf(component: GraphComponent): boolean {
    const p = this.precisionPlan(component)
    return !this.opts.quantise && p.ok && p.runs === 'float16'
  }

  /** What the transformer is built in (the memory plan prices the job with it). */
  get builtPrecision(): 'float32' | 'float16' {
    return this.buildsHalf('transformer') ? 'float16' : 'float32'
  }

  private async open(component: GraphComponent): Promise<LoadedSession & { release?: () => Promise<void> }> {
    const found = this.folder.parts[COMPONENT_PART[component]]
    const reader = openComponent(found)
    try {
      const plan = this.precisionPlan(component)
      const half = this.buildsHalf(component)
      // float16 is part of the settings (and so of the cache key) only when asked for: float32 caches stay valid.
      const s = half ? { ...this.settings(), precision: 'float16' as const } : this.settings()
      const built = buildComponent(component, componentSource(found, reader, { inPlace: !this.opts.quantise }), s)
      const instead = plan.ok && plan.runs === 'float16' && !half ? `float32 for the ${this.opts.quantise?.bits}-bit quantisation` : null
      this.opts.log?.(`engine: ${component}: ${instead ?? (plan.ok ? plan.note : plan.reason)}`)
      const lost = () => {
        if (built.precision === 'float16') this.opts.log?.(fp16CountsLine(component, built.graph.fp16Counts))
      }
      const bytes = built.graph.stats.weightBytes
      const q = this.opts.quantise ?? null
      const said = (r: QuantiseReport) =>
        this.opts.log?.(`engine: ${component}: ${r.quantised} of ${r.weightMatMuls} weight MatMuls as ${q?.bits}-bit MatMulNBits`)
      if (bytes <= (this.opts.inlineMaxBytes ?? 1024 ** 3)) {
        let graph = built.graph.toBytes()
        lost()
        if (q) {
          const done = quantiseModel(graph, q)
          graph = done.bytes
          said(done.report)
        }
        const session = await this.openInline(graph, component)
        // The serialised graph and the weights read for it are garbage now that onnxruntime has its copy.
        collectGarbage()
        return session
      }
      // The quantisation is part of the key (left out when there is none, so float caches stay valid).
      const key = graphCacheKey(this.folder.dir, found, component, q ? { ...s, quantise: q } : s)
      const dir = join(this.opts.cacheDir, key)
      const model = join(dir, `${component}.onnx`)
      if (!existsSync(model)) {
        // Written beside, then renamed: an interrupted build never leaves a half graph under the key.
        const tmp = `${dir}.partial-${process.pid}`
        rmSync(tmp, { recursive: true, force: true })
        mkdirSync(tmp, { recursive: true })
        this.opts.log?.(`engine: building the ${component} graph (${(bytes / 1024 ** 3).toFixed(1)} GB of ${built.precision} weights) once`)
        // A quantised graph gets weights of its own; a float32 one may read the checkpoint in place.
        const files = writeGraphFiles(built.graph, tmp, component, { linkSources: !q && (this.opts.zeroCopy ?? true) })
        lost()
        if (q) said(quantiseGraphFiles(tmp, component, q))
        if (files.linkedBytes)
          this.opts.log?.(
            `engine: the ${component} graph reads ${(files.linkedBytes / 1024 ** 3).toFixed(1)} GB of float32 weights from the checkpoint in place`,
          )
        rmSync(dir, { recursive: true, force: true })
        renameSync(tmp, dir)
      }
      return await this.opts.files.get(this.folder.manifest.id, component, model)
    } finally {
      reader.close()
    }
  }

  /** A graph opened from its bytes, on the first provider that can. */
  private async openInline(graph: Uint8Array, component: GraphComponent): Promise<LoadedSession & { release?: () => Promise<void> }> {
    for (const provider of this.opts.providers) {
      if (this.failed.has(provider)) continue
      try {
        return await openGraphBytes(graph, `${this.folder.manifest.id}/${component}`, { provider })
      } catch (e) {
        if (provider === 'cpu') throw e
        this.failed.add(provider)
        this.opts.log?.(`engine: built graphs could not start on ${provider} (${providerFailureReason(e)}); falling back`)
      }
    }
    throw new Error('no provider could open the graph')
  }

  private session(component: GraphComponent) {
    let s = this.sessions.get(component)
    if (!s) {
      s = this.open(component)
      s.catch(() => this.sessions.delete(component))
      this.sessions.set(component, s)
    }
    return s
  }

  /** Where each component ran, in the order they were first used. */
  private readonly placed = new Map<string, string>()

  get placement(): ComponentPlacement[] {
    return [...this.placed].map(([component, provider]) => ({ component, provider }))
  }

  private async run(component: GraphComponent, feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const s = await this.session(component)
    this.provider = s.provider
    this.placed.set(PLACEMENT_NAME[component], s.provider)
    const start = performance.now()
    try {
      return await s.run(feeds)
    } finally {
      this.ortMs += performance.now() - start
    }
  }

  /** Token ids as BFL's HFEmbedders make them: CLIP to 77 and T5 to 512, padded, truncated keeping the end token. */
  tokenize(prompt: string): { clip: number[]; t5: number[] } {
    return { clip: this.tokenizers.clip.encode(prompt), t5: this.tokenizers.t5.encode(prompt) }
  }

  async loadAll(): Promise<void> {
    for (const c of ['clip', 't5', 'transformer', 'ae-encode', 'ae-decode'] as const) await this.session(c)
  }

  async encodeText(prompt: string | null): Promise<TextEmbedding> {
    const ids = this.tokenize(prompt ?? '')
    const pooled = (await this.run('clip', { input_ids: ids64(ids.clip) })).pooled!
    const hidden = (await this.run('t5', { input_ids: ids64(ids.t5) })).hidden!
    return { sequence: hidden.data as Float32Array, length: hidden.dims[1]!, dim: hidden.dims[2]!, pooled: pooled.data as Float32Array }
  }

  async encodeImage(image: ImagePlanes): Promise<Latent> {
    const z = (await this.run('ae-encode', { x: f32(image.data, [1, 3, image.height, image.width]) })).z!
    const [, channels, height, width] = z.dims as [number, number, number, number]
    return { data: z.data as Float32Array, channels, height, width }
  }

  async predictVelocity(input: VelocityInput): Promise<Float32Array> {
    const n = input.img.count
    const t = input.text
    const feeds: Record<string, TensorData> = {
      img: f32(input.img.data, [1, n, input.img.features]),
      img_ids: f32(input.imgIds, [1, n, 3]),
      txt: f32(t.sequence, [1, t.length, t.dim]),
      txt_ids: f32(input.txtIds, [1, t.length, 3]),
      timesteps: f32(Float32Array.of(input.timestep), [1]),
      y: f32(t.pooled, [1, t.pooled.length]),
    }
    if (input.guidance !== null) feeds.guidance = f32(Float32Array.of(input.guidance), [1])
    return (await this.run('transformer', feeds)).pred!.data as Float32Array
  }

  async decode(latent: Latent): Promise<ImagePlanes> {
    const x = (await this.run('ae-decode', { z: f32(latent.data, [1, latent.channels, latent.height, latent.width]) })).x!
    const [, channels, height, width] = x.dims as [number, number, number, number]
    return { data: x.data as Float32Array, channels, height, width }
  }

  /** In sequential mode, releases every graph the coming phase does not run. */
  async enterPhase(phase: PipelinePhase): Promise<void> {
    if (!this.sequential) return
    const keep = PHASE_GRAPHS[phase]
    for (const c of [...this.sessions.keys()]) if (!keep.includes(c)) await this.releaseGraph(c)
  }

  /** Frees one graph's session: in-memory ones here, file-backed ones in the pool. */
  private async releaseGraph(component: GraphComponent): Promise<void> {
    const p = this.sessions.get(component)
    if (!p) return
    this.sessions.delete(component)
    const s = await p.catch(() => null)
    if (s?.release) await s.release()
    else if (s) await this.opts.files.release?.(this.folder.manifest.id, component)
    collectGarbage()
  }

  /** Frees the in-memory sessions (file-backed ones belong to the pool). */
  async release(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    for (const p of all) {
      const s = await p.catch(() => null)
      await s?.release?.()
    }
  }
}

/**
 * The Kontext pipeline as numbered stages over `KontextModels` (KONTEXT_PIPELINE.md §3–§8):
 * size → prompt → contexts → noise → denoise → decode. No ONNX and no image codec here.
 */
import { StudioError, studioError } from '../../core/result'
import { combineGuidance, eulerStep } from '../math/euler'
import { gaussianNoise } from '../math/noise'
import { packLatent, unpackTokens, type Tokens } from '../math/packing'
import { concatIds, contextIndex, imageIds, textIds } from '../math/positionIds'
import { latentToRgb } from '../math/preview'
import type { PreviewKind } from '../previewPolicy'
import { chooseResolution, type Resolution } from '../math/resolution'
import { flowMatchSchedule } from '../math/schedule'
import { LruCache } from './cache'
import type { GenerateOutput, GenerateRequest, KontextModels, PipelineConfig, StepEvent, TextEmbedding } from './types'

const cancelled = () => new StudioError(studioError('job.cancelled', 'The job was cancelled.'))
/** Lets queued messages (a cancel) in between steps: ORT runs block the event loop. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve))

export interface ContextTokens {
  readonly tokens: Tokens
  readonly ids: Float32Array
}

export class KontextPipeline {
  readonly promptCache = new LruCache<string, TextEmbedding>(16)
  readonly contextCache = new LruCache<string, Tokens>(8)

  constructor(
    private readonly models: KontextModels,
    readonly config: PipelineConfig,
  ) {}

  /** Stage 1: the output size — the requested one, else the first context's, snapped to a preferred resolution. */
  chooseTargetSize(req: Pick<GenerateRequest, 'width' | 'height' | 'contexts'>): Resolution {
    const first = req.contexts[0]
    if (req.width !== undefined && req.height !== undefined) return chooseResolution(req.width, req.height, this.config.resolutions)
    if (first) return chooseResolution(first.width, first.height, this.config.resolutions)
    return chooseResolution(1, 1, this.config.resolutions)
  }

  private async encodePrompt(prompt: string | null): Promise<TextEmbedding> {
    const key = prompt === null ? '\u0000uncond' : prompt
    const hit = this.promptCache.get(key)
    if (hit) return hit
    const emb = await this.models.encodeText(prompt)
    this.promptCache.set(key, emb)
    return emb
  }

  private async encodeContexts(req: GenerateRequest): Promise<ContextTokens[]> {
    const { patch, downsample, contextOffset } = this.config
    const out: ContextTokens[] = []
    for (const [i, ctx] of req.contexts.entries()) {
      const [w, h] = chooseResolution(ctx.width, ctx.height, this.config.resolutions)
      const key = `${ctx.hash}@${w}x${h}`
      let tokens = this.contextCache.get(key)
      if (!tokens) {
        const latent = await this.models.encodeImage(await ctx.load(w, h))
        tokens = packLatent(latent, patch)
        this.contextCache.set(key, tokens)
      }
      const unit = downsample * patch
      out.push({ tokens, ids: imageIds(h / unit, w / unit, contextIndex(i + 1, contextOffset)) })
    }
    return out
  }

  async generate(req: GenerateRequest): Promise<GenerateOutput> {
    const c = this.config
    const timingsMs: Record<string, number> = {}
    const t0 = performance.now()
    let mark = t0
    const lap = (name: string) => {
      const now = performance.now()
      timingsMs[name] = now - mark
      mark = now
    }
    if (req.contexts.length > c.maxContexts) {
      throw new StudioError(
        studioError(
          'job.tooManyContexts',
          `This model takes at most ${c.maxContexts} context image${c.maxContexts === 1 ? '' : 's'}; got ${req.contexts.length}.`,
          'Remove some reference images.',
        ),
      )
    }
    if (req.signal?.aborted) throw cancelled()

    // 1. Snap the output to a preferred resolution.
    const [width, height] = this.chooseTargetSize(req)
    const latentH = height / c.downsample
    const latentW = width / c.downsample
    const rows = latentH / c.patch
    const cols = latentW / c.patch

    // 2. Encode the prompt (and the unconditional prompt for true CFG), cached by prompt.
    await this.models.enterPhase?.('text')
    const useCfg = c.guidanceMode === 'cfg' && req.guidance !== 1
    const text = await this.encodePrompt(req.prompt)
    const uncond = useCfg ? await this.encodePrompt(null) : null
    const txtIds = textIds(text.length)
    lap('text')

    // 3. Encode each context image (cached by image hash); the i-th sits at id offset i.
    await this.models.enterPhase?.('encode')
    const contexts = await this.encodeContexts(req)
    lap('context')

    // 4. Noise for the target, from the seed (CHW order, then packed) unless given.
    const features = c.latentChannels * c.patch * c.patch
    let x: Float32Array
    if (req.noise) {
      if (req.noise.length !== rows * cols * features)
        throw new RangeError(`noise has ${req.noise.length} values, expected ${rows * cols * features}`)
      x = Float32Array.from(req.noise)
    } else {
      const noise = gaussianNoise(req.seed, c.latentChannels * latentH * latentW)
      x = packLatent({ data: noise, channels: c.latentChannels, height: latentH, width: latentW }, c.patch).data
    }
    lap('noise')

    // 5. Denoise: feed [target ; contexts], keep the target's velocity, Euler-step the shifted schedule.
    const schedule = flowMatchSchedule(req.steps, rows * cols, c.mu)
    const imgIds = concatIds([imageIds(rows, cols, 0), ...contexts.map((k) => k.ids)])
    const guidance = c.guidanceMode === 'embedded' ? req.guidance : null
    const stepMs: number[] = []
    await this.models.enterPhase?.('denoise')
    for (let i = 0; i < req.steps; i++) {
      if (req.signal?.aborted) throw cancelled()
      const stepStart = performance.now()
      const tCurr = schedule[i]!
      const tNext = schedule[i + 1]!
      const img = concatTokens(
        { data: x, count: rows * cols, features },
        contexts.map((k) => k.tokens),
      )
      const base = { img, imgIds, txtIds, timestep: tCurr, guidance }
      let v = await this.models.predictVelocity({ ...base, text })
      if (uncond)
        v = combineGuidance(
          v.subarray(0, x.length),
          (await this.models.predictVelocity({ ...base, text: uncond })).subarray(0, x.length),
          req.guidance,
        )
      x = eulerStep(x, v, tCurr, tNext)
      stepMs.push(performance.now() - stepStart)
      if (req.onStep) {
        const kind = req.previewFor?.(i + 1, req.steps) ?? 'latent'
        req.onStep(await this.stepEvent(i + 1, req.steps, tNext, x, v.subarray(0, x.length), { h: latentH, w: latentW }, kind))
      }
      await yieldToEvents()
    }
    if (req.signal?.aborted) throw cancelled()
    timingsMs.denoise = stepMs.reduce((a, b) => a + b, 0)
    stepMs.forEach((ms, i) => (timingsMs[`step${i + 1}`] = ms))
    mark = performance.now()

    // 6. Unpack and decode.
    const latent = unpackTokens({ data: x, count: rows * cols, features }, c.latentChannels, latentH, latentW, c.patch)
    await this.models.enterPhase?.('decode')
    const image = await this.models.decode(latent)
    await this.models.enterPhase?.('done')
    lap('decode')
    timingsMs.total = performance.now() - t0
    return { image, width, height, timingsMs }
  }

  /**
   * A step's report. The preview shows where the picture is heading, not the noisy state: in
   * rectified flow x_t = (1 − t)·x0 + t·ε and v = ε − x0, so the clean picture predicted at this
   * step is x0 ≈ x_t − t·v (taken after the step, at t = tNext).
   */
  private async stepEvent(
    step: number,
    total: number,
    t: number,
    x: Float32Array,
    v: Float32Array,
    size: { h: number; w: number },
    kind: PreviewKind,
  ): Promise<StepEvent> {
    const c = this.config
    const features = c.latentChannels * c.patch * c.patch
    const tokens: Tokens = { data: x, count: x.length / features, features }
    if (kind === 'none') return { step, totalSteps: total, t, latent: tokens, preview: null, decoded: null, previewMs: 0 }
    const start = performance.now()
    const predicted = predictedClean(x, v, t)
    const latent = unpackTokens({ data: predicted, count: tokens.count, features }, c.latentChannels, size.h, size.w, c.patch)
    const decoded = kind === 'decode' ? await this.models.decode(latent) : null
    const preview = !decoded && c.preview ? { rgb: latentToRgb(latent, c.preview), width: size.w, height: size.h } : null
    return { step, totalSteps: total, t, latent: tokens, preview, decoded, previewMs: performance.now() - start }
  }
}

/** x0 ≈ x_t − t·v: the clean latent a rectified-flow velocity points at. */
export function predictedClean(x: Float32Array, v: Float32Array, t: number): Float32Array {
  const out = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) - t * (v[i] as number)
  return out
}

/** [target ; context 1 ; context 2 …] along the token axis. */
export function concatTokens(target: Tokens, contexts: readonly Tokens[]): Tokens {
  if (contexts.length === 0) return target
  const count = target.count + contexts.reduce((n, t) => n + t.count, 0)
  const data = new Float32Array(count * target.features)
  data.set(target.data, 0)
  let at = target.data.length
  for (const t of contexts) {
    if (t.features !== target.features) throw new RangeError(`context tokens have ${t.features} features, the target ${target.features}`)
    data.set(t.data, at)
    at += t.data.length
  }
  return { data, count, features: target.features }
}

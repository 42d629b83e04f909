/**
 * The pipeline's stages against recording fakes (no ONNX): what is called in which order, what the
 * transformer is fed, progress per step, cancellation, and the prompt/context caches.
 */
import { describe, expect, it } from 'vitest'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import type { ContextSource, KontextModels, PipelineConfig, VelocityInput } from '../../../engine/pipeline/types'
import type { Latent } from '../../../engine/math/packing'

const config: PipelineConfig = {
  latentChannels: 4,
  patch: 2,
  downsample: 8,
  mu: { kind: 'constant', value: 0.5 },
  contextOffset: 1,
  maxContexts: 3,
  guidanceMode: 'embedded',
  resolutions: [
    [32, 32],
    [64, 32],
  ],
  preview: {
    weights: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 0],
    ],
    bias: [0, 0, 0],
  },
}

/** Fakes that record each call; the velocity is the constant `velocity`, the context latent is `fill`. */
function recordingModels(velocity = 1) {
  const calls: string[] = []
  const feeds: VelocityInput[] = []
  const models: KontextModels = {
    async encodeText(prompt) {
      calls.push(`text:${prompt ?? '∅'}`)
      return { sequence: new Float32Array(2 * 3), length: 2, dim: 3, pooled: new Float32Array(3) }
    },
    async encodeImage(image) {
      calls.push(`image:${image.width}x${image.height}`)
      const h = image.height / 8
      const w = image.width / 8
      return { data: new Float32Array(4 * h * w).fill(image.data[0]!), channels: 4, height: h, width: w }
    },
    async predictVelocity(input) {
      calls.push(`velocity:${input.timestep.toFixed(3)}`)
      feeds.push(input)
      return new Float32Array(input.img.count * input.img.features).fill(velocity)
    },
    async decode(latent: Latent) {
      calls.push('decode')
      return {
        data: new Float32Array(3 * latent.height * 8 * latent.width * 8),
        channels: 3,
        height: latent.height * 8,
        width: latent.width * 8,
      }
    },
  }
  return { models, calls, feeds }
}

function context(hash: string, value: number, width = 32, height = 32): ContextSource & { loads: number } {
  const src = {
    hash,
    width,
    height,
    loads: 0,
    async load(w: number, h: number) {
      src.loads++
      return { data: new Float32Array(3 * w * h).fill(value), channels: 3, height: h, width: w }
    },
  }
  return src
}

const base = { prompt: 'make it red', seed: 1, steps: 4, guidance: 2.5 }

describe('Kontext pipeline stages', () => {
  it('encodes prompt, then contexts, then steps the transformer, then decodes', async () => {
    const { models, calls } = recordingModels()
    const out = await new KontextPipeline(models, config).generate({ ...base, contexts: [context('a', 0.5)] })
    expect(calls).toEqual([
      'text:make it red',
      'image:32x32',
      'velocity:1.000',
      'velocity:0.832',
      'velocity:0.622',
      'velocity:0.355',
      'decode',
    ])
    expect([out.width, out.height]).toEqual([32, 32])
  })

  it('appends each context after the target with ids at offsets 1, 2 and keeps only the target’s velocity', async () => {
    const { models, feeds } = recordingModels()
    await new KontextPipeline(models, config).generate({ ...base, steps: 1, contexts: [context('a', 0.25), context('b', 0.75, 64, 32)] })
    const f = feeds[0]!
    // target 32×32 → 2×2 tokens; context 1 2×2; context 2 (64×32) 2×4
    expect(f.img.count).toBe(4 + 4 + 8)
    expect(f.img.features).toBe(16)
    expect(f.img.data[4 * 16]).toBe(0.25) // first context token follows the 4 target tokens
    expect(f.img.data[8 * 16]).toBe(0.75)
    const axis0 = Array.from({ length: f.img.count }, (_, i) => f.imgIds[i * 3])
    expect(axis0).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2])
    expect(Array.from(f.imgIds.subarray(8 * 3 + 3 * 3, 8 * 3 + 3 * 3 + 3))).toEqual([2, 0, 3]) // 4th token of context 2 = row 0, col 3
    expect(f.guidance).toBe(2.5)
  })

  it('generates from text alone with target tokens only, at the requested size snapped to a bucket', async () => {
    const { models, feeds, calls } = recordingModels()
    const out = await new KontextPipeline(models, config).generate({ ...base, steps: 1, contexts: [], width: 1280, height: 700 })
    expect([out.width, out.height]).toEqual([64, 32])
    expect(feeds[0]!.img.count).toBe(8)
    expect(calls.some((c) => c.startsWith('image'))).toBe(false)
  })

  it('Euler-integrates the velocity from the seeded noise: x₀ = noise − v', async () => {
    const { models } = recordingModels(0.5)
    const steps: Float32Array[] = []
    const noise = new Float32Array(4 * 16).fill(2)
    await new KontextPipeline(models, config).generate({
      ...base,
      contexts: [],
      noise,
      onStep: (e) => steps.push(Float32Array.from(e.latent.data)),
    })
    expect(steps).toHaveLength(4)
    for (const v of steps.at(-1)!) expect(v).toBeCloseTo(1.5, 6)
  })

  it('fires onStep once per step with a preview at latent size', async () => {
    const { models } = recordingModels()
    const events: { step: number; total: number; w: number | undefined }[] = []
    await new KontextPipeline(models, config).generate({
      ...base,
      steps: 5,
      contexts: [],
      onStep: (e) => events.push({ step: e.step, total: e.totalSteps, w: e.preview?.width }),
    })
    expect(events).toEqual([1, 2, 3, 4, 5].map((step) => ({ step, total: 5, w: 4 })))
  })

  it('draws on each step the preview asked for: none, the latent map or the decoder', async () => {
    const { models } = recordingModels()
    const kinds = ['latent', 'none', 'decode', 'none'] as const
    const events: { step: number; latent: boolean; decoded: boolean }[] = []
    await new KontextPipeline(models, config).generate({
      ...base,
      steps: 4,
      contexts: [],
      previewFor: (step) => kinds[step - 1] as (typeof kinds)[number],
      onStep: (e) => events.push({ step: e.step, latent: e.preview !== null, decoded: e.decoded !== null }),
    })
    expect(events).toEqual([
      { step: 1, latent: true, decoded: false },
      { step: 2, latent: false, decoded: false },
      { step: 3, latent: false, decoded: true },
      { step: 4, latent: false, decoded: false },
    ])
  })

  it('stops within one step of an abort and says the job was cancelled', async () => {
    const { models, calls } = recordingModels()
    const abort = new AbortController()
    const run = new KontextPipeline(models, config).generate({
      ...base,
      steps: 50,
      contexts: [],
      signal: abort.signal,
      onStep: (e) => e.step === 2 && abort.abort(),
    })
    await expect(run).rejects.toMatchObject({ code: 'job.cancelled' })
    expect(calls.filter((c) => c.startsWith('velocity'))).toHaveLength(2)
    expect(calls).not.toContain('decode')
  })

  it('reuses the prompt and context encodings on a repeat (cache by prompt and image hash)', async () => {
    const { models, calls } = recordingModels()
    const pipeline = new KontextPipeline(models, config)
    const ctx = context('same-hash', 0.1)
    await pipeline.generate({ ...base, steps: 1, contexts: [ctx] })
    await pipeline.generate({ ...base, steps: 1, seed: 2, contexts: [ctx] })
    expect(calls.filter((c) => c.startsWith('text'))).toHaveLength(1)
    expect(calls.filter((c) => c.startsWith('image'))).toHaveLength(1)
    expect(ctx.loads).toBe(1)
    expect(pipeline.promptCache.hits).toBe(1)
    expect(pipeline.contextCache.hits).toBe(1)
    await pipeline.generate({ ...base, prompt: 'other', steps: 1, contexts: [context('other-hash', 0.1)] })
    expect(calls.filter((c) => c.startsWith('text'))).toHaveLength(2)
  })

  it('runs true CFG with the unconditional prompt when the model uses cfg, and not at scale 1', async () => {
    const cfg = { ...config, guidanceMode: 'cfg' as const }
    const a = recordingModels()
    await new KontextPipeline(a.models, cfg).generate({ ...base, steps: 2, guidance: 3, contexts: [] })
    expect(a.calls.filter((c) => c.startsWith('velocity'))).toHaveLength(4)
    expect(a.calls).toContain('text:∅')
    expect(a.feeds[0]!.guidance).toBeNull()
    const b = recordingModels()
    await new KontextPipeline(b.models, cfg).generate({ ...base, steps: 2, guidance: 1, contexts: [] })
    expect(b.calls.filter((c) => c.startsWith('velocity'))).toHaveLength(2)
  })

  it('refuses more contexts than the model takes', async () => {
    const { models } = recordingModels()
    const four = ['a', 'b', 'c', 'd'].map((h) => context(h, 0))
    await expect(new KontextPipeline(models, config).generate({ ...base, contexts: four })).rejects.toMatchObject({
      code: 'job.tooManyContexts',
    })
  })
})

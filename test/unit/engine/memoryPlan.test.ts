/**
 * The memory plan from shapes alone (FLUX.1 Kontext [dev]'s published sizes, no weights): each
 * graph's weights, the working memory that grows with the resolution and the references, the
 * phases in order and their peaks as the sum of their terms, and the fit decision with its
 * suggestions. Every term is checked on its own, so dropping one fails here.
 */
import { describe, expect, it } from 'vitest'
import { fitJob, refusalText } from '../../../engine/plan/fit'
import { PLAN_COEFFICIENTS, planMemory, type PlanRequest, type PlanTensors, type ShapeTable } from '../../../engine/plan/memoryPlan'
import { bflAutoencoderSpecs, bflTransformerSpecs, clipTextSpecs, FULL, t5EncoderSpecs } from '../../support/fluxCheckpoints'

const table = (specs: [string, number[]][], dtype = 'BF16'): ShapeTable => new Map(specs.map(([n, shape]) => [n, { dtype, shape }]))
const full: PlanTensors = {
  transformer: table(bflTransformerSpecs(FULL.transformer)),
  autoencoder: table(bflAutoencoderSpecs(FULL.ae), 'F32'),
  clip: table(clipTextSpecs(FULL.clip), 'F16'),
  t5: table(t5EncoderSpecs(FULL.t5), 'F16'),
}
const req: PlanRequest = { width: 1024, height: 1024, refs: 1, precision: 'float32' }
const graph = (p: ReturnType<typeof planMemory>, g: string) => p.graphs.find((x) => x.graph === g)!
const phase = (p: ReturnType<typeof planMemory>, ph: string) => p.phases.find((x) => x.phase === ph)!
const GB = 1e9

describe('memory plan', () => {
  it('weights per graph: 4 bytes a parameter in float32, 2 in float16; T5’s second embedding and the other half of the autoencoder not counted', () => {
    const p = planMemory(full, req)
    // Published sizes: 11.9 G transformer, 4.76 G T5-XXL encoder (one 131 M embedding), 123 M CLIP-L.
    expect(graph(p, 'transformer').params / 1e9).toBeCloseTo(11.9, 1)
    expect(graph(p, 't5').params / 1e9).toBeCloseTo(4.76, 2)
    expect(graph(p, 'clip').params / 1e6).toBeCloseTo(123, 0)
    expect(graph(p, 'ae-encode').params / 1e6).toBeCloseTo(34.3, 1)
    expect(graph(p, 'ae-decode').params / 1e6).toBeCloseTo(49.5, 1)
    expect(graph(p, 'transformer').weightBytes).toBe(4 * graph(p, 'transformer').params)
    const half = planMemory(full, { ...req, precision: 'float16' })
    expect(graph(half, 'transformer').weightBytes).toBe(2 * graph(p, 'transformer').params)
    // The transformer and T5 are built in 16 bits: CLIP and the autoencoder stay float32.
    expect(half.graphs.map((g) => [g.graph, g.precision])).toEqual([
      ['clip', 'float32'],
      ['t5', 'float16'],
      ['ae-encode', 'float32'],
      ['transformer', 'float16'],
      ['ae-decode', 'float32'],
    ])
    // T5's wo (24 × 4096 × 10240), embedding and norms stay float32: 3.63 G of its 4.76 G weights are fp16.
    const t5 = graph(half, 't5')
    expect((4 * t5.params - t5.weightBytes) / 2 / 1e9).toBeCloseTo(3.62, 1)
    expect(graph(half, 'clip').weightBytes).toBe(4 * graph(p, 'clip').params)
  })

  it('working memory: the transformer’s tokens count the target, every reference and the 512 text tokens; the decoder’s widest level at full size', () => {
    const p = planMemory(full, req)
    const tr = graph(p, 'transformer').activation
    expect(tr.largest).toBe((64 * 64 * 2 + 512) * (3 * 3072 + 4 * 3072))
    expect(tr.bytes).toBe(4 * PLAN_COEFFICIENTS.activation.transformer * tr.largest)
    const threeRefs = graph(planMemory(full, { ...req, refs: 3 }), 'transformer').activation
    expect(threeRefs.largest - tr.largest).toBe(2 * 4096 * 21504)
    // The decoder upsamples its 256-channel level to full size before the last level's conv.
    expect(graph(p, 'ae-decode').activation.largest).toBe(256 * 1024 * 1024)
    expect(graph(p, 'ae-encode').activation.largest).toBe(128 * 1024 * 1024)
    expect(graph(planMemory(full, { ...req, width: 512, height: 512 }), 'ae-decode').activation.largest).toBe(256 * 512 * 512)
    // T5 materialises its 64 heads' 512×512 scores.
    expect(graph(p, 't5').activation.scores).toBe(64 * 512 * 512)
  })

  it('phases in order, each peak = runtime + held weights + the larger of opening and working memory + the heap kept from earlier phases', () => {
    const p = planMemory(full, req)
    expect(p.phases.map((x) => x.phase)).toEqual(['text', 'encode', 'denoise', 'decode'])
    expect(phase(p, 'text').graphs).toEqual(['clip', 't5'])
    for (const ph of p.phases) {
      expect(ph.runtimeBytes).toBe(PLAN_COEFFICIENTS.runtimeBytes)
      const need = ph.weightBytes + Math.max(ph.openingBytes, ph.activationBytes)
      expect(ph.peakBytes).toBeCloseTo(ph.runtimeBytes + need + (1 - PLAN_COEFFICIENTS.heapReuse) * ph.retainedBytes, -3)
    }
    // CLIP-L is opened from memory (under 1 GiB): its parse stays with the allocator for the later phases.
    expect(phase(p, 'text').retainedBytes).toBe(0)
    expect(phase(p, 'encode').retainedBytes).toBe(PLAN_COEFFICIENTS.inlineOpening * graph(p, 'clip').weightBytes)
    const text = phase(p, 'text')
    expect(text.weightBytes).toBe(graph(p, 'clip').weightBytes + graph(p, 't5').weightBytes)
    expect(p.peak.phase).toBe('denoise')
    expect(p.peak.peakBytes / GB).toBeGreaterThan(47.6 + 0.27)
    // Everything held at once adds the other graphs' weights to the denoise peak.
    const all = p.graphs.reduce((n, g) => n + g.weightBytes, 0)
    expect(p.residentBytes).toBeGreaterThan(PLAN_COEFFICIENTS.runtimeBytes + all)
  })

  it('no references: no encode phase; decoded previews keep the decoder beside the transformer', () => {
    expect(planMemory(full, { ...req, refs: 0 }).phases.map((x) => x.phase)).toEqual(['text', 'denoise', 'decode'])
    const p = planMemory(full, req)
    const withPreviews = planMemory(full, { ...req, previewDecode: true })
    expect(phase(withPreviews, 'denoise').weightBytes - phase(p, 'denoise').weightBytes).toBe(graph(p, 'ae-decode').weightBytes)
  })

  it('fit: all held when it fits, one phase at a time when only that fits, else refused naming the phase, the need and the free memory, with what fits', () => {
    const p = planMemory(full, req)
    expect(fitJob(full, req, p.residentBytes, { resolutions: [] }).mode).toBe('resident')
    expect(fitJob(full, req, p.peak.peakBytes, { resolutions: [] }).mode).toBe('sequential')
    const free = p.peak.peakBytes
    const small = fitJob(full, { ...req, refs: 3 }, free, {
      resolutions: [
        [1024, 1024],
        [512, 512],
      ],
      otherPrecisions: ['float16'],
    })
    expect(small.mode).toBeNull()
    expect(small.suggestions).toEqual([
      'a smaller size (512×512 fits)',
      'at most 1 reference image',
      'the 16-bit transformer and T5 (built for CUDA, DirectML and WebGPU)',
    ])
    const r = refusalText(small)
    expect(r.message).toMatch(
      /^A 1024×1024 job with 3 reference images needs about \d+\.\d GiB while denoising \(transformer, float32 weights 44\.\d GiB\)/,
    )
    expect(r.message).toContain(`${(free / 1024 ** 3).toFixed(1)} GiB of memory is free`)
    expect(r.hint).toMatch(
      /^Would fit: a smaller size \(512×512 fits\); at most 1 reference image; the 16-bit transformer and T5 \(built for CUDA, DirectML and WebGPU\)\./,
    )
  })
})

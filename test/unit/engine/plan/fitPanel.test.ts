/**
 * The Fit panel from FLUX.1 Kontext [dev]'s shapes: the verdict follows the free memory, and each
 * way to fit is priced on the same plan — the largest smaller size and the most references that
 * fit, sequential loading said to be automatic, int8/int4 with their measured cost (stated as the
 * twin's), 16-bit priced but never offered as available.
 */
import { describe, expect, it } from 'vitest'
import { fitPanel, fitNotPlanned } from '../../../../engine/plan/fitPanel'
import { planMemory, type PlanTensors, type ShapeTable } from '../../../../engine/plan/memoryPlan'
import { QUANTISE_SETTINGS } from '../../../../engine/quantise/modes'
import { modelFitSchema } from '../../../../core/contract/modelFit'
import { bflAutoencoderSpecs, bflTransformerSpecs, clipTextSpecs, FULL, t5EncoderSpecs } from '../../../support/fluxCheckpoints'

const table = (specs: [string, number[]][], dtype = 'BF16'): ShapeTable => new Map(specs.map(([n, shape]) => [n, { dtype, shape }]))
const tensors: PlanTensors = {
  transformer: table(bflTransformerSpecs(FULL.transformer)),
  autoencoder: table(bflAutoencoderSpecs(FULL.ae), 'F32'),
  clip: table(clipTextSpecs(FULL.clip), 'F16'),
  t5: table(t5EncoderSpecs(FULL.t5), 'F16'),
}
const resolutions = [
  [1024, 1024],
  [768, 768],
  [512, 512],
] as const
const at = (freeBytes: number, refs = 2, quantise: 'int8' | 'int4' | null = null) =>
  fitPanel({ model: 'flux', tensors, width: 1024, height: 1024, refs, freeBytes, resolutions, quantise })
const way = (f: ReturnType<typeof at>, k: string) => f.ways.find((w) => w.kind === k)
const plan = (o: object = {}) => planMemory(tensors, { width: 1024, height: 1024, refs: 2, precision: 'float32', ...o })

describe('the Fit panel', () => {
  it('verdict: all loaded, one phase at a time, or does not fit, from the plan against the free memory', () => {
    const p = plan()
    expect(at(p.residentBytes).mode).toBe('all-loaded')
    const seq = at(p.peak.peakBytes)
    expect(seq.mode).toBe('sequential')
    expect(seq.verdict).toMatch(
      /^A 1024×1024 job with 2 reference images fits loading one phase at a time \(peak \d+\.\d GiB while denoising/,
    )
    const no = at(p.peak.peakBytes - 1)
    expect(no.mode).toBe('does-not-fit')
    expect(no.verdict).toContain('does not fit: denoising needs about')
    expect(no.phases.map((x) => x.phase)).toEqual(['text', 'encode', 'denoise', 'decode'])
    expect(no.phases.find((x) => x.phase === 'denoise')!.peakBytes).toBe(p.peak.peakBytes)
    expect(no.graphs.find((g) => g.graph === 'transformer')!.weightBytes).toBe(4 * p.graphs.find((g) => g.graph === 'transformer')!.params)
    expect(modelFitSchema.parse(no)).toEqual(no)
  })

  it('ways: the largest smaller size and the most references that fit, each with its peak', () => {
    const free = plan({ refs: 1 }).peak.peakBytes
    const f = at(free)
    expect(f.mode).toBe('does-not-fit')
    const size = way(f, 'size')!
    // 768² fits before 512² is needed (the largest smaller size that fits is chosen).
    const p768 = plan({ width: 768, height: 768 })
    expect(p768.peak.peakBytes).toBeLessThanOrEqual(free)
    expect(size).toMatchObject({ fits: true, available: true, peakBytes: p768.peak.peakBytes })
    expect(size.effect).toMatch(/^768×768 instead of 1024×1024/)
    expect(way(f, 'refs')).toMatchObject({ fits: true, peakBytes: free })
    expect(way(f, 'refs')!.effect).toMatch(/^At most 1 reference image instead of 2/)
    // Nothing smaller fits in 1 byte: the smallest size is shown, saying it does not fit either.
    const none = at(1)
    expect(way(none, 'size')).toMatchObject({ fits: false, peakBytes: plan({ width: 512, height: 512 }).peak.peakBytes })
    expect(way(none, 'refs')!.effect).toMatch(/^No reference images/)
    // No references asked: no "fewer references" way.
    expect(way(at(1, 0), 'refs')).toBeUndefined()
  })

  it('sequential loading is automatic; int8/int4 priced with the quantised plan and the twin’s measured cost; 16-bit not available', () => {
    const free = plan({ quantise: QUANTISE_SETTINGS.int8 }).peak.peakBytes
    const f = at(free)
    expect(way(f, 'sequential')!.effect).toMatch(/^Automatic/)
    expect(way(f, 'int8')).toMatchObject({ available: true, fits: true, peakBytes: free })
    expect(way(f, 'int4')).toMatchObject({ fits: true, peakBytes: plan({ quantise: QUANTISE_SETTINGS.int4 }).peak.peakBytes })
    expect(way(f, 'int8')!.effect).toContain('--quantise int8')
    for (const m of ['int8', 'int4'])
      expect(way(f, m)!.cost).toMatch(/^Measured on the small random twin checkpoints .*not on FLUX\.1 Kontext \[dev\]/)
    const half = way(f, 'float16')!
    expect(half).toMatchObject({ available: false, peakBytes: plan({ precision: 'float16' }).peak.peakBytes })
    expect(half.effect).toContain('does not build 16-bit graphs yet')
    // A model already imported as int8 is planned with int8 weights and offers only int4.
    const q = at(free, 2, 'int8')
    expect(q.weights).toBe('int8')
    expect(q.mode).toBe('sequential')
    expect(q.ways.map((w) => w.kind)).toEqual(['size', 'refs', 'sequential', 'int4', 'float16'])
  })

  it('a manifest model: no plan, and it says why', () => {
    const n = fitNotPlanned('kontext-tiny', 64, 64, 0, 1e9)
    expect(n).toMatchObject({ applies: false, mode: 'not-planned', phases: [], ways: [] })
    expect(n.note).toContain('FLUX checkpoint folders')
  })
})

/**
 * The memory plan with int8/int4 weights (FLUX.1 Kontext [dev]'s published shapes, no weights):
 * each nn.Linear weight priced as MatMulNBits blocks (packed values + a float32 scale + packed
 * zero points per block of 32), the embedding tables, norms, biases and the autoencoder left in
 * float32, and the phases' peaks following. Each term is checked on its own, so dropping one fails.
 */
import { describe, expect, it } from 'vitest'
import { fitJob, refusalText } from '../../../../engine/plan/fit'
import { planMemory, quantisedBytes, type PlanRequest, type PlanTensors, type ShapeTable } from '../../../../engine/plan/memoryPlan'
import { QUANTISE_SETTINGS } from '../../../../engine/quantise/modes'
import { bflAutoencoderSpecs, bflTransformerSpecs, clipTextSpecs, FULL, t5EncoderSpecs } from '../../../support/fluxCheckpoints'

const table = (specs: [string, number[]][], dtype = 'BF16'): ShapeTable => new Map(specs.map(([n, shape]) => [n, { dtype, shape }]))
const full: PlanTensors = {
  transformer: table(bflTransformerSpecs(FULL.transformer)),
  autoencoder: table(bflAutoencoderSpecs(FULL.ae), 'F32'),
  clip: table(clipTextSpecs(FULL.clip), 'F16'),
  t5: table(t5EncoderSpecs(FULL.t5), 'F16'),
}
const req: PlanRequest = { width: 1024, height: 1024, refs: 1, precision: 'float32' }
const int8 = { ...req, quantise: QUANTISE_SETTINGS.int8 }
const int4 = { ...req, quantise: QUANTISE_SETTINGS.int4 }
const graph = (p: ReturnType<typeof planMemory>, g: string) => p.graphs.find((x) => x.graph === g)!
const sumOf = (m: ShapeTable, keep: (name: string, shape: number[]) => boolean) =>
  [...m].filter(([n, v]) => keep(n, [...v.shape])).reduce((a, [, v]) => a + v.shape.reduce((x, y) => x * y, 1), 0)

describe('memory plan with quantised weights', () => {
  it('one [out, in] weight: blocks of 32 inputs, each bits/8 bytes a value + a 4-byte scale + a packed zero point', () => {
    // 3072 outputs × 96 blocks: int8 32 + 4 + 1 bytes a block; int4 16 + 4 and half a byte (48 bytes of zero points a row).
    expect(quantisedBytes([3072, 3072], QUANTISE_SETTINGS.int8)).toBe(3072 * (96 * 32 + 96 * 4 + 96))
    expect(quantisedBytes([3072, 3072], QUANTISE_SETTINGS.int4)).toBe(3072 * (96 * 16 + 96 * 4 + 48))
    // An input count that is not a whole number of blocks is padded to one (64 outputs, 40 inputs → 2 blocks).
    expect(quantisedBytes([64, 40], QUANTISE_SETTINGS.int4)).toBe(64 * (2 * 16 + 2 * 4 + 1))
  })

  it('the transformer’s linear weights become blocks; its norms and biases stay float32', () => {
    const f = graph(planMemory(full, req), 'transformer')
    const q = graph(planMemory(full, int8), 'transformer')
    const linear = sumOf(full.transformer, (n, s) => s.length === 2 && n.endsWith('.weight'))
    expect(q.matMulParams).toBe(linear)
    expect(q.params).toBe(f.params)
    const blocks = [...full.transformer]
      .filter(([n, v]) => v.shape.length === 2 && n.endsWith('.weight'))
      .reduce((a, [, v]) => a + quantisedBytes(v.shape, QUANTISE_SETTINGS.int8), 0)
    expect(q.matMulBytes).toBe(blocks)
    expect(q.weightBytes).toBe(4 * (f.params - linear) + blocks)
    // About 37/128 of the float bytes at int8 and 20.5/128 at int4 (the non-linear rest is small).
    expect(q.weightBytes / f.weightBytes).toBeCloseTo(37 / 128, 2)
    expect(graph(planMemory(full, int4), 'transformer').weightBytes / f.weightBytes).toBeCloseTo(20.5 / 128, 2)
    // Activations stay float32.
    expect(q.activation.bytes).toBe(f.activation.bytes)
  })

  it('embedding tables are read by Gather, not MatMul: T5’s shared table and CLIP’s token and position tables stay float32', () => {
    const t5 = graph(planMemory(full, int8), 't5')
    const t5Linear = sumOf(
      full.t5,
      (n, s) => s.length === 2 && n.endsWith('.weight') && !/shared|embed_tokens|relative_attention_bias/.test(n),
    )
    expect(t5.matMulParams).toBe(t5Linear)
    expect(t5.params - t5.matMulParams).toBeGreaterThanOrEqual(32128 * 4096)
    const clip = graph(planMemory(full, int8), 'clip')
    expect(clip.params - clip.matMulParams).toBeGreaterThanOrEqual(49408 * 768 + 77 * 768)
    expect(clip.matMulParams).toBeGreaterThan(0)
  })

  it('the autoencoder is convolutions: unchanged; a float32 checkpoint’s linear weights are quantised like a bf16 one’s', () => {
    for (const g of ['ae-encode', 'ae-decode']) {
      expect(graph(planMemory(full, int4), g).weightBytes).toBe(graph(planMemory(full, req), g).weightBytes)
      expect(graph(planMemory(full, int4), g).matMulParams).toBe(0)
    }
    const f32: PlanTensors = { ...full, transformer: table(bflTransformerSpecs(FULL.transformer), 'F32') }
    expect(graph(planMemory(f32, int4), 'transformer').weightBytes).toBe(graph(planMemory(full, int4), 'transformer').weightBytes)
  })

  it('phases follow: denoising holds the quantised transformer; CLIP is still built in float32 in memory before it is quantised', () => {
    const f = planMemory(full, req)
    const q = planMemory(full, int4)
    const den = (p: typeof f) => p.phases.find((x) => x.phase === 'denoise')!
    expect(den(q).weightBytes).toBe(graph(q, 'transformer').weightBytes)
    expect(den(f).peakBytes - den(q).peakBytes).toBeCloseTo(graph(f, 'transformer').weightBytes - graph(q, 'transformer').weightBytes, -3)
    expect(graph(q, 'clip').openingBytes).toBe(graph(f, 'clip').openingBytes)
    expect(q.peak.peakBytes).toBeLessThan(f.peak.peakBytes / 3)
    expect(q.residentBytes).toBeLessThan(f.residentBytes / 3)
  })

  it('a refused job names the first quantisation that fits (int8 before int4) and how to get it', () => {
    const int8Peak = planMemory(full, int8).peak.peakBytes
    const only4 = fitJob(full, req, int8Peak - 1, { resolutions: [], otherQuantise: ['int8', 'int4'] })
    expect(only4.mode).toBeNull()
    expect(only4.suggestions).toEqual(['int4 weights (import the folder again with --quantise int4)'])
    const both = fitJob(full, req, int8Peak, { resolutions: [], otherQuantise: ['int8', 'int4'] })
    expect(both.suggestions).toEqual(['int8 weights (import the folder again with --quantise int8)'])
    // A model already quantised is refused in its own terms.
    const q = fitJob(full, int4, 1, { resolutions: [] })
    expect(refusalText(q).message).toContain('4-bit weights')
    expect(refusalText(q).hint).toBe('Nothing smaller fits either: use a machine with more memory.')
  })
})

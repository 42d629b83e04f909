/**
 * What the transformer builder does with checkpoints that are not what it expects, and the
 * built graph's interface — no Python needed. Bad checkpoints must fail with the tensor's name
 * and the expected shape, before any graph is handed to onnxruntime.
 */
import { describe, expect, it } from 'vitest'
import { buildFluxTransformer } from '../../../engine/graph/flux/fluxTransformer'
import { memoryTensorSource, type SourceTensor } from '../../../engine/graph/tensorSource'
import { openGraphBytes, type TensorData } from '../../../engine/sessions'
import { randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { fluxCaseInputs } from '../../support/fluxInputs'

const rope = { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta }
const build = (m: Map<string, SourceTensor>, axesDim = rope.axesDim) =>
  buildFluxTransformer(memoryTensorSource(m), { rope: { axesDim, theta: rope.theta } })

describe('FLUX transformer builder on a BFL-layout checkpoint', () => {
  it('names the missing tensor', () => {
    const m = randomFluxCheckpoint(TINY_FLUX, 1)
    m.delete('single_blocks.1.linear2.weight')
    expect(() => build(m)).toThrow(/no tensor single_blocks\.1\.linear2\.weight/)
  })

  it('names a tensor whose shape does not fit and says what was expected', () => {
    const m = randomFluxCheckpoint(TINY_FLUX, 1)
    m.set('double_blocks.1.txt_attn.proj.weight', { dtype: 'F32', shape: [64, 32], data: new Float32Array(64 * 32) })
    expect(() => build(m)).toThrow(/double_blocks\.1\.txt_attn\.proj\.weight has shape \[64, 32\], expected \[64, 64\]/)
  })

  it('refuses RoPE axes that do not add up to the head size read from the checkpoint', () => {
    expect(() => build(randomFluxCheckpoint(TINY_FLUX, 1), [16, 56, 56])).toThrow(/sum to the head size 32/)
  })

  it('refuses a gap in the block numbering', () => {
    const m = randomFluxCheckpoint({ ...TINY_FLUX, depth_single_blocks: 3 }, 1)
    for (const k of [...m.keys()]) if (k.startsWith('single_blocks.1.')) m.delete(k)
    expect(() => build(m)).toThrow(/single_blocks\.\* are not numbered/)
  })

  it('leaves guidance out of the interface for a checkpoint without guidance_in (schnell-style)', () => {
    const g = build(randomFluxCheckpoint({ ...TINY_FLUX, guidance_embed: false }, 1))
    expect(g.inputs).toEqual(['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y'])
  })

  it('runs with any sequence lengths, and each batch item is computed on its own', async () => {
    const graph = build(randomFluxCheckpoint(TINY_FLUX, 2))
    const session = await openGraphBytes(graph.graph.toBytes(), 'flux', { intraOpThreads: 1 })
    try {
      const pair = fluxCaseInputs(
        TINY_FLUX,
        { name: 'b2', batch: 2, txtLen: 3, target: [2, 5], timesteps: [0.2, 0.8], guidance: [2, 4] },
        7,
      )
      const both = (await session.run(pair)).pred!
      expect(both.dims).toEqual([2, 10, 16])
      const second: Record<string, TensorData> = {}
      for (const [k, v] of Object.entries(pair)) {
        const per = v.data.length / 2
        second[k] = { dtype: 'float32', data: (v.data as Float32Array).slice(per), dims: [1, ...v.dims.slice(1)] }
      }
      const alone = (await session.run(second)).pred!
      const tail = (both.data as Float32Array).subarray(160)
      let d = 0
      for (let i = 0; i < 160; i++) d = Math.max(d, Math.abs(tail[i]! - (alone.data as Float32Array)[i]!))
      expect(d).toBeLessThan(1e-5)
    } finally {
      await session.release()
    }
  })
})

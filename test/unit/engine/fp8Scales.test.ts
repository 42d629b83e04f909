/** ComfyUI's scaled fp8 weights reach the graph builders as fp8 value × the tensor's own scale. */
import { describe, expect, it } from 'vitest'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { withFp8Scales } from '../../../engine/pipeline/checkpointModels'

const t = (data: number[], shape: number[], dtype = 'F8_E4M3') => ({ dtype, shape, data: Float32Array.from(data) })

describe('withFp8Scales', () => {
  const src = withFp8Scales(
    memoryTensorSource(
      new Map([
        ['a.weight', t([1, 2, 3, 4], [2, 2])],
        ['a.scale_weight', t([0.5], [], 'F32')],
        ['a.bias', t([1, 1], [2], 'BF16')],
        ['b.weight', t([2, 4], [1, 2])],
        ['b.weight_scale', t([3], [], 'F32')],
        ['c.weight', t([7], [1, 1], 'BF16')],
      ]),
    ),
  )
  it('multiplies a weight by its scale_weight or weight_scale, and leaves the rest alone', () => {
    expect([...src.get('a.weight').data]).toEqual([0.5, 1, 1.5, 2])
    expect([...src.get('b.weight').data]).toEqual([6, 12])
    expect([...src.get('a.bias').data]).toEqual([1, 1])
    expect([...src.get('c.weight').data]).toEqual([7])
    expect(src.shape('a.weight')).toEqual([2, 2])
  })
})

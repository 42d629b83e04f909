/**
 * Block quantisation in MatMulNBits' layout: every weight comes back within half a step of its
 * block's scale, the range of each block is kept, and a K that is not a whole number of blocks
 * is padded without disturbing the real weights.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { dequantiseBlocks, quantiseBlocks } from '../../../../engine/quantise/blockQuant'

const matrix = (K: number, N: number, seed: number): Float32Array => {
  let s = seed
  return Float32Array.from({ length: K * N }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return (s / 2 ** 31) * 2 - 0.7
  })
}

describe('quantiseBlocks', () => {
  for (const bits of [4, 8] as const)
    it(`${bits}-bit: each weight is within half a quantisation step of its value`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 1000 }), (K, N, seed) => {
          const w = matrix(K, N, seed)
          const q = quantiseBlocks(w, K, N, bits, 32)
          expect(q.kBlocks).toBe(Math.ceil(K / 32))
          expect(q.b.length).toBe(N * q.kBlocks * ((32 * bits) / 8))
          const back = dequantiseBlocks(q)
          for (let k = 0; k < K; k++)
            for (let n = 0; n < N; n++) {
              const step = q.scales[n * q.kBlocks + Math.floor(k / 32)] as number
              expect(Math.abs((back[k * N + n] as number) - (w[k * N + n] as number))).toBeLessThanOrEqual(step / 2 + 1e-6)
            }
        }),
        { numRuns: 40 },
      )
    })

  it('4 bits is coarser than 8 bits on the same weights', () => {
    const w = matrix(128, 16, 3)
    const err = (bits: 4 | 8) => {
      const back = dequantiseBlocks(quantiseBlocks(w, 128, 16, bits, 32))
      return back.reduce((m, v, i) => Math.max(m, Math.abs(v - (w[i] as number))), 0)
    }
    expect(err(8)).toBeLessThan(err(4) / 8)
  })

  it('keeps zeros exact and refuses a block size onnxruntime does not take', () => {
    const w = new Float32Array(64 * 2)
    w[5] = 1
    const back = dequantiseBlocks(quantiseBlocks(w, 64, 2, 4, 32))
    expect(back[4]).toBe(0)
    expect(back[5]).toBeCloseTo(1, 6)
    expect(() => quantiseBlocks(w, 64, 2, 4, 24)).toThrow(/power of two/)
    expect(() => quantiseBlocks(w, 64, 3, 4, 32)).toThrow(/values for \[64, 3\]/)
  })
})

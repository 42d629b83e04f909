/**
 * The quantised node onnxruntime runs computes exactly `x · dequantise(W)`: the packing (nibble
 * order, zero points, padded K) is the one the installed onnxruntime's CPU provider reads, for
 * 4 and 8 bits. Only weight MatMuls are rewritten; a MatMul of two computed values is left alone.
 */
import onnxProto from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { GraphBuilder } from '../../../../engine/graph/onnxGraph'
import { dequantiseBlocks, quantiseBlocks } from '../../../../engine/quantise/blockQuant'
import { quantiseModel } from '../../../../engine/quantise/quantiseGraph'
import { openGraphBytes } from '../../../../engine/sessions'

const [K, N, L] = [200, 24, 3]
const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i))
const w = seq(K * N, (i) => Math.sin(i * 0.37) * 0.8 + 0.1)
const x = seq(L * K, (i) => Math.cos(i * 0.11))

function graph(weight: Float32Array): Uint8Array {
  const g = new GraphBuilder('q')
  const input = g.input('x', [1, 'L', K])
  const y = g.op('MatMul', [input, g.weight('lin.weight', [K, N], weight)])
  // x · xᵀ: both sides computed, so not a weight MatMul.
  const gram = g.op('MatMul', [input, g.op('Transpose', [input], { perm: { kind: 'ints', v: [0, 2, 1] } })])
  g.output(y, 'y', [1, 'L', N])
  g.output(gram, 'gram', [1, 'L', 'L'])
  return g.toBytes()
}

async function run(bytes: Uint8Array) {
  const s = await openGraphBytes(bytes, 'q', { intraOpThreads: 1 })
  try {
    const out = await s.run({ x: { dtype: 'float32', data: x, dims: [1, L, K] } })
    return { y: out.y!.data as Float32Array, gram: out.gram!.data as Float32Array }
  } finally {
    await s.release()
  }
}

describe('MatMulNBits from quantiseModel', () => {
  for (const bits of [4, 8] as const)
    it(`${bits}-bit: onnxruntime's output equals the float MatMul with the dequantised weight`, async () => {
      const q = quantiseModel(graph(w), { bits, blockSize: 32 })
      expect(q.report).toMatchObject({ weightMatMuls: 1, quantised: 1, floatBytes: K * N * 4 })
      const nodes = onnxProto.onnx.ModelProto.decode(q.bytes).graph!.node!
      expect(nodes.filter((n) => n.opType === 'MatMulNBits')).toHaveLength(1)
      expect(nodes.filter((n) => n.opType === 'MatMul')).toHaveLength(1)
      const got = await run(q.bytes)
      const expected = await run(graph(dequantiseBlocks(quantiseBlocks(w, K, N, bits, 32))))
      const float = await run(graph(w))
      for (let i = 0; i < got.y.length; i++) expect(got.y[i]).toBeCloseTo(expected.y[i]!, 3)
      expect(got.gram).toEqual(float.gram)
      // …and it really is quantised: not the float32 result.
      expect(got.y.some((v, i) => Math.abs(v - float.y[i]!) > 1e-3)).toBe(true)
    })
})

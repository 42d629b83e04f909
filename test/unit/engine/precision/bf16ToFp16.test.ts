/** bf16 → fp16 with every clamped and flushed value counted. */
import { describe, expect, it } from 'vitest'
import onnxProto from 'onnx-proto'
import { GraphBuilder } from '../../../../engine/graph/onnxGraph'
import { bf16ToFp16, float32ToFp16, FP16_MAX } from '../../../../engine/precision/bf16ToFp16'
import { fromFloat32, toFloat32 } from '../../../../engine/weights/dtypes'

describe('bf16ToFp16', () => {
  it('keeps in-range values exactly, clamps past ±65504, flushes below fp16’s subnormals, keeps NaN/Inf', () => {
    const input = [1, -2.5, 0.15625, 1e5, -3e38, 1e-9, -1e-10, 0, 6e-8, NaN, Infinity, 61440]
    const { bytes, counts } = bf16ToFp16(fromFloat32(input, 'BF16'))
    const out = Array.from(toFloat32(bytes, 'F16'))
    const asBf16 = Array.from(toFloat32(fromFloat32(input, 'BF16'), 'BF16'))
    expect(out.slice(0, 3)).toEqual(asBf16.slice(0, 3))
    expect(out.slice(3, 5)).toEqual([FP16_MAX, -FP16_MAX])
    expect(out.slice(5, 8).map((v) => Math.abs(v))).toEqual([0, 0, 0])
    expect(out[8]).toBeGreaterThan(0) // 6e-8 is a fp16 subnormal (2^-24 ≈ 5.96e-8), not flushed
    expect(out[9]).toBeNaN()
    expect(out[10]).toBe(Infinity)
    // 61440 is exact in both; 65504 itself is not a bf16 value (it rounds to 65536, then is clamped).
    expect(out[11]).toBe(61440)
    expect(counts).toEqual({ values: 12, clamped: 2, flushed: 2, nonFinite: 2 })
  })
})

describe('float16 weights of a built graph', () => {
  it('are converted from the bf16 checkpoint’s values once, with the clamped and flushed ones counted', () => {
    // A bf16 checkpoint's tensor as the reader hands it over: its values widened to float32 (exactly).
    const crafted = toFloat32(fromFloat32([0.5, 1e5, -7e4, 3e-9, -1e-12, 6e-8, 0, 1024], 'BF16'), 'BF16')
    const g = new GraphBuilder('counts')
    const x = g.input('x', [8])
    g.output(g.op('Mul', [g.cast(x, 'float16'), g.weight('w', [8], () => crafted, 'float16')]), 'y', [8], 'float16')
    const bytes = g.toBytes()
    g.toBytes() // serialising again counts each weight once
    expect(g.fp16Counts).toEqual({ values: 8, clamped: 2, flushed: 2, nonFinite: 0 })
    const init = onnxProto.onnx.ModelProto.decode(bytes).graph!.initializer!.find((t) => t.name === 'w')!
    expect(init.dataType).toBe(onnxProto.onnx.TensorProto.DataType.FLOAT16)
    expect(Array.from(toFloat32(init.rawData!, 'F16'))).toEqual([
      0.5,
      FP16_MAX,
      -FP16_MAX,
      0,
      -0,
      toFloat32(fromFloat32([6e-8], 'F16'), 'F16')[0],
      0,
      1024,
    ])
    expect(float32ToFp16(crafted).counts).toEqual(bf16ToFp16(fromFloat32(Array.from(crafted), 'BF16')).counts)
  })
})

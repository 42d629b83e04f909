/**
 * The boundary rewrite on graphs written here with onnx-proto: 16-bit inputs and outputs become
 * float32 that onnxruntime-node can feed and read, the values are what the 16-bit graph computes,
 * readers of a rewritten output still see the 16-bit value, and initializers (inline or external
 * data) are kept exactly.
 */
import onnxProto, { type onnx } from 'onnx-proto'
import { describe, expect, it } from 'vitest'
import { floatBoundaries } from '../../../../engine/export/boundaries'
import { openGraphBytes } from '../../../../engine/sessions'
import { fromFloat32, toFloat32 } from '../../../../engine/weights/dtypes'

const { ModelProto } = onnxProto.onnx
const vi = (name: string, elem: number, dims: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
})
const BF16 = 16
const F16 = 10

/**
 * y = bf16(x · 3), z = fp16(y · 2): `y` is both an output and read by a node. Arithmetic is float32
 * inside (the CPU provider has no bf16 Mul), so only the boundaries are 16-bit, as in the stand-in export.
 */
function model(): onnx.IModelProto {
  const cast = (a: string, b: string, to: number): onnx.INodeProto => ({
    opType: 'Cast',
    input: [a],
    output: [b],
    attribute: [{ name: 'to', type: 2, i: to }],
  })
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'g',
      initializer: [
        { name: 'three', dims: [], dataType: 1, floatData: [3] },
        { name: 'two', dims: [], dataType: 1, floatData: [2] },
      ],
      input: [vi('x', BF16, ['n'])],
      output: [vi('y', BF16, ['n']), vi('z', F16, ['n'])],
      node: [
        cast('x', 'xf', 1),
        { opType: 'Mul', input: ['xf', 'three'], output: ['yf'] },
        cast('yf', 'y', BF16),
        cast('y', 'y2', 1),
        { opType: 'Mul', input: ['y2', 'two'], output: ['zf'] },
        cast('zf', 'z', F16),
      ],
    },
  }
}

const bf16 = (v: number[]) => Array.from(toFloat32(fromFloat32(v, 'BF16'), 'BF16'))

describe('floatBoundaries', () => {
  it('the original graph cannot be opened from JavaScript; the rewritten one can, with the 16-bit results', async () => {
    await expect(openGraphBytes(ModelProto.encode(model()).finish(), 'raw')).rejects.toThrow(/Unsupported data type: 1[06]/)
    const { model: m, changes } = floatBoundaries(model())
    expect(changes).toEqual([
      { side: 'input', name: 'x', from: 'bfloat16' },
      { side: 'output', name: 'y', from: 'bfloat16' },
      { side: 'output', name: 'z', from: 'float16' },
    ])
    const s = await openGraphBytes(ModelProto.encode(m).finish(), 'rewritten')
    try {
      expect(s.io.inputs).toEqual([{ name: 'x', dtype: 'float32', rank: 1 }])
      expect(s.io.outputs.map((o) => [o.name, o.dtype])).toEqual([
        ['y', 'float32'],
        ['z', 'float32'],
      ])
      // 1.01 is not a bf16 value: the graph sees it rounded, as a bf16 caller's value would be.
      const x = [1.01, -2.5, 100.3]
      const out = await s.run({ x: { dtype: 'float32', data: Float32Array.from(x), dims: [3] } })
      const y = bf16(bf16(x).map((v) => v * 3))
      expect(Array.from(out.y!.data as Float32Array)).toEqual(y)
      expect(Array.from(out.z!.data as Float32Array)).toEqual(y.map((v) => Math.fround(v * 2)))
    } finally {
      await s.release()
    }
  })

  it('keeps every initializer as it was, external-data references included', () => {
    const m = model()
    m.graph!.initializer!.push({
      name: 'big',
      dims: [1024],
      dataType: BF16,
      dataLocation: 1,
      externalData: [
        { key: 'location', value: 'backbone.onnx_data' },
        { key: 'offset', value: '4096' },
        { key: 'length', value: '2048' },
      ],
    })
    const out = ModelProto.decode(ModelProto.encode(floatBoundaries(m).model).finish())
    expect((out.graph?.initializer ?? []).map((t) => ModelProto.encode({ graph: { initializer: [t] } }).finish())).toEqual(
      m.graph!.initializer!.map((t) => ModelProto.encode({ graph: { initializer: [t] } }).finish()),
    )
  })

  it('returns a float32 graph unchanged', () => {
    const m: onnx.IModelProto = {
      graph: { input: [vi('a', 1, [2])], output: [vi('b', 1, [2])], node: [{ opType: 'Relu', input: ['a'], output: ['b'] }] },
    }
    const r = floatBoundaries(m)
    expect(r.changes).toEqual([])
    expect(r.model).toBe(m)
  })
})

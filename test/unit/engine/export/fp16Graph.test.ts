/**
 * A bf16-weight graph (no CPU kernels) imported for the CPU provider: planned as fp16, its weights
 * converted into a new data file with the losses counted, its boundaries float32 — and it then
 * opens and computes x·W16 on the CPU. The original graph and weights file are left as they were.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { adaptGraph, FP16_DATA, planGraph } from '../../../../engine/export/onnxExport'
import { SessionPool } from '../../../../engine/sessions'
import { fromFloat32, toFloat32 } from '../../../../engine/weights/dtypes'
import { scanOnnx } from '../../../../engine/weights/onnxScan'
import { writeBf16WeightGraph } from '../../../support/fluxOnnxExport'

const tmp = mkdtempSync(join(tmpdir(), 'kontext-fp16-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')

// Row-major 4×4: one value past fp16's range, one below its subnormals, the rest ordinary.
const W = [0.5, -1.25, 2, 0.0078125, 1e5, 0.25, -0.5, 1, 3e-9, 1.5, -2, 0.125, 0.75, -0.375, 4, -1]

describe('a bf16-weight graph imported for the CPU', () => {
  it('is converted to fp16 with its losses counted, and runs', async () => {
    writeBf16WeightGraph(join(tmp, 'model.onnx'), { weights: W, external: true })
    const before = [sha(join(tmp, 'model.onnx')), sha(join(tmp, 'weights.bin'))]
    const found = scanOnnx(join(tmp, 'model.onnx'), (p) => p.slice(tmp.length + 1))
    const cuda = planGraph(tmp, 'transformer', found, 'cuda')
    expect(cuda.plan).toMatchObject({ ok: true, runs: 'bfloat16', conversion: { kind: 'none' } })
    const planned = planGraph(tmp, 'transformer', found, 'cpu')
    expect(planned.plan).toMatchObject({ ok: true, runs: 'float16', conversion: { kind: 'bf16-to-fp16-at-import' } })
    const r = adaptGraph(tmp, planned)
    expect(r.fp16).toEqual({ data: FP16_DATA, tensors: 1, counts: { values: 16, clamped: 1, flushed: 1, nonFinite: 0 } })
    expect([sha(join(tmp, 'model.onnx')), sha(join(tmp, 'weights.bin'))]).toEqual(before)

    const pool = new SessionPool({ provider: 'cpu', only: true })
    try {
      const s = await pool.get('fp16', 'transformer', join(tmp, r.file))
      const x = Float32Array.of(1, 2, -1, 0.5)
      const y = (await s.run({ x: { dtype: 'float32', data: x, dims: [1, 4] } })).y!.data as Float32Array
      // W as converted (clamped to 65504, 3e-9 flushed). The CPU provider runs this fp16 MatMul in
      // float32 behind casts it inserts (and drops the fp16 rounding of the result: 2·65504 comes
      // back finite), so the output is compared within fp16's precision, not bit for bit.
      const stored = Array.from(toFloat32(fromFloat32(W, 'BF16'), 'BF16'))
      const w16 = Array.from(
        toFloat32(
          fromFloat32(
            stored.map((v) => (v > 65504 ? 65504 : Math.abs(v) < 2 ** -25 ? 0 : v)),
            'F16',
          ),
          'F16',
        ),
      )
      expect([w16[4], w16[8]]).toEqual([65504, 0])
      const expected = [0, 1, 2, 3].map((j) => x.reduce((acc, xi, i) => acc + xi * w16[i * 4 + j]!, 0))
      for (let j = 0; j < 4; j++) expect(Math.abs(y[j]! - expected[j]!)).toBeLessThanOrEqual(Math.abs(expected[j]!) * 2 ** -10)
    } finally {
      await pool.release()
    }
  })
})

/** The precision plan: what runs where, what is converted, what is refused (and what to do instead). */
import { describe, expect, it } from 'vitest'
import { planPrecision, storedDtypeOf, type PlanRequest } from '../../../../engine/precision/plan'

const plan = (r: Omit<PlanRequest, 'component'>) => planPrecision({ component: 'transformer', ...r })

describe('planPrecision', () => {
  it('the built transformer is float16 on the GPU providers and float32 on the CPU; the other built components stay float32', () => {
    for (const provider of ['cuda', 'dml', 'webgpu'] as const) {
      expect(plan({ provider, stored: 'bf16', source: 'built' })).toMatchObject({
        ok: true,
        runs: 'float16',
        conversion: { kind: 'fp16-while-building', from: 'bf16' },
      })
      expect(planPrecision({ provider, component: 't5', stored: 'bf16', source: 'built' })).toMatchObject({ ok: true, runs: 'float16' })
      for (const component of ['clip', 'autoencoder'] as const)
        expect(planPrecision({ provider, component, stored: 'bf16', source: 'built' })).toMatchObject({
          ok: true,
          runs: 'float32',
          conversion: { kind: 'widen-while-building', from: 'bf16' },
          note: expect.stringContaining('float32 only') as unknown,
        })
    }
    expect(plan({ provider: 'cpu', stored: 'bf16', source: 'built' })).toMatchObject({
      ok: true,
      runs: 'float32',
      conversion: { kind: 'widen-while-building', from: 'bf16' },
    })
    expect(plan({ provider: 'cpu', stored: 'fp32', source: 'built' })).toMatchObject({
      ok: true,
      runs: 'float32',
      conversion: { kind: 'none' },
    })
    expect(plan({ provider: 'cpu', stored: 'fp8', source: 'built' })).toMatchObject({ ok: true, runs: 'float32' })
  })

  it('a forced precision wins over the provider’s default (fp16 graphs on the CPU for the tests, float32 on a GPU)', () => {
    expect(plan({ provider: 'cpu', stored: 'fp32', source: 'built', built: 'float16' })).toMatchObject({
      runs: 'float16',
      conversion: { kind: 'fp16-while-building', from: 'fp32' },
    })
    expect(plan({ provider: 'cuda', stored: 'bf16', source: 'built', built: 'float32' })).toMatchObject({ runs: 'float32' })
  })

  it('a bf16 export runs as stored on CUDA and is converted to fp16 once at import for the providers without bf16', () => {
    expect(plan({ provider: 'cuda', stored: 'bf16', source: 'onnx' })).toMatchObject({
      ok: true,
      runs: 'bfloat16',
      conversion: { kind: 'none' },
    })
    for (const provider of ['cpu', 'dml', 'webgpu'] as const) {
      const p = plan({ provider, stored: 'bf16', source: 'onnx' })
      expect(p).toMatchObject({ ok: true, runs: 'float16', conversion: { kind: 'bf16-to-fp16-at-import' } })
      if (p.ok) expect(p.note).toMatch(/no bfloat16 kernels.*clamped.*flushed/)
    }
  })

  it('fp16 and fp32 exports run as stored on every provider', () => {
    for (const provider of ['cpu', 'cuda', 'dml', 'webgpu'] as const) {
      expect(plan({ provider, stored: 'fp16', source: 'onnx' })).toMatchObject({ ok: true, runs: 'float16', conversion: { kind: 'none' } })
      expect(plan({ provider, stored: 'fp32', source: 'onnx' })).toMatchObject({ ok: true, runs: 'float32', conversion: { kind: 'none' } })
    }
  })

  it('refuses the fp8 export graphs with the reason and the alternative', () => {
    const p = plan({ provider: 'cuda', stored: 'fp8', source: 'onnx' })
    expect(p.ok).toBe(false)
    if (!p.ok) {
      expect(p.reason).toContain('TensorRT')
      expect(p.alternative).toContain('transformer.opt/bf16/')
    }
  })

  it('reads a component’s stored dtype from where most of its weight bytes are', () => {
    expect(storedDtypeOf({ fp32: 100, bf16: 4000 })).toBe('bf16')
    expect(storedDtypeOf({ fp32: 100 })).toBe('fp32')
    expect(storedDtypeOf({})).toBe('fp32')
  })
})

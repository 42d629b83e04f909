/** Provider choice, the engine protocol's validation, and the memory-pressure rule. */
import { afterEach, describe, expect, it } from 'vitest'
import { shouldReleaseSessions } from '../../../engine/memoryPressure'
import { replySchema, requestSchema } from '../../../engine/protocol'
import { listProviders, providerFailureReason, resolveLadder, SessionPool } from '../../../engine/sessions'
import { tinyModelDir } from '../../fixtures/engine/paths'
import { join } from 'node:path'

describe('execution provider ladder', () => {
  const saved = process.env.KONTEXT_PROVIDER
  afterEach(() => {
    if (saved === undefined) delete process.env.KONTEXT_PROVIDER
    else process.env.KONTEXT_PROVIDER = saved
  })

  it('always ends auto on the CPU rung and tries it alone when asked', () => {
    const auto = resolveLadder('auto')
    expect(auto.ok && auto.value.at(-1)).toBe('cpu')
    expect(resolveLadder('CPU')).toEqual({ ok: true, value: ['cpu'] })
  })

  it('refuses a provider it does not know, listing the usable ones', () => {
    const r = resolveLadder('quantum')
    expect(r).toMatchObject({ ok: false, error: { code: 'provider.unsupported' } })
    if (!r.ok) expect(r.error.hint).toMatch(/^Use one of: auto, .*cpu/)
  })

  it('takes $KONTEXT_PROVIDER when no option is given, and the option over it', () => {
    process.env.KONTEXT_PROVIDER = 'cpu'
    expect(resolveLadder(undefined)).toEqual({ ok: true, value: ['cpu'] })
    process.env.KONTEXT_PROVIDER = 'quantum'
    expect(resolveLadder(undefined).ok).toBe(false)
    expect(resolveLadder('cpu').ok).toBe(true)
  })

  it('lists what this onnxruntime build bundles', () => {
    expect(listProviders()).toContainEqual({ name: 'cpu', bundled: true, usable: true, why: null })
  })

  it('creates sessions lazily, caches them by (model, component, provider) and releases on demand', async () => {
    const pool = new SessionPool({ provider: 'cpu' })
    expect(pool.size).toBe(0)
    const path = join(tinyModelDir, 'text_encoder.onnx')
    const a = await pool.get('m', 'text', path)
    expect(await pool.get('m', 'text', path)).toBe(a)
    await pool.get('other', 'text', path)
    expect([pool.size, pool.activeProvider, a.provider]).toEqual([2, 'cpu', 'cpu'])
    expect(a.io.inputs).toEqual([{ name: 'tokens', dtype: 'int64', rank: 2 }])
    await expect(a.run({})).rejects.toThrow(/missing input tokens/)
    expect(await pool.release('m')).toBe(1)
    expect(await pool.release()).toBe(1)
  })
})

describe('engine protocol', () => {
  it('accepts a well-formed submit with image bytes and refuses malformed ones', () => {
    const job = { model: 'kontext-tiny', prompt: 'a ring', contexts: [new Uint8Array([1, 2])], seed: 1, steps: 8, guidance: 1 }
    expect(requestSchema.safeParse({ type: 'submit', id: 1, job }).success).toBe(true)
    expect(requestSchema.safeParse({ type: 'submit', id: 1, job: { ...job, contexts: [[1, 2]] } }).success).toBe(false)
    expect(requestSchema.safeParse({ type: 'submit', id: 1, job: { ...job, steps: 0 } }).success).toBe(false)
    expect(requestSchema.safeParse({ type: 'explode', id: 1 }).success).toBe(false)
  })

  it('carries structured errors', () => {
    expect(replySchema.safeParse({ type: 'error', id: 3, error: { code: 'job.cancelled', message: 'x' } }).success).toBe(true)
    expect(replySchema.safeParse({ type: 'error', id: 3, error: { message: 'no code' } }).success).toBe(false)
  })
})

describe('memory pressure', () => {
  const GiB = 2 ** 30
  it('releases when free memory falls under a tenth, or the engine passes its RSS ceiling', () => {
    expect(shouldReleaseSessions({ freeBytes: 8 * GiB, totalBytes: 32 * GiB, rssBytes: GiB })).toBe(false)
    expect(shouldReleaseSessions({ freeBytes: 2 * GiB, totalBytes: 32 * GiB, rssBytes: GiB })).toBe(true)
    expect(shouldReleaseSessions({ freeBytes: 8 * GiB, totalBytes: 32 * GiB, rssBytes: 5 * GiB }, 4 * GiB)).toBe(true)
  })
})

describe('provider fallback messages', () => {
  it('keep the sentence a user can act on, not the C++ assertion', () => {
    const raw = new Error(
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\nmore',
    )
    expect(providerFailureReason(raw)).toBe('Failed to get a WebGPU adapter: No supported adapters')
    expect(providerFailureReason(new Error('OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library'))).toBe(
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
    )
  })
})

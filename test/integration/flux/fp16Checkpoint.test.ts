/**
 * The engine's precision plan for built graphs, end to end on a small random checkpoint in the
 * official release's layout: on the CPU the transformer is built float32; forced to float16
 * (what a GPU provider gets by default) it is built as a mixed-precision fp16 graph, the engine
 * log says so with what converting the weights lost, and its velocity stays within 2e-3 of the
 * float32 one's scale (measured 1.1e-4 on this checkpoint) without being equal to it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { builtPrecisionFromEnv } from '../../../engine/checkpointJobs'
import { openCheckpointFolder, type CheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../../engine/pipeline/checkpointModels'
import { SessionPool } from '../../../engine/sessions'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'
import { velocityProbe } from '../../fixtures/engine/velocityProbe'

const CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[48, 32]] }
const home = mkdtempSync(join(tmpdir(), 'kontext-fp16-'))
const release = join(home, 'release')
let folder: CheckpointFolder

beforeAll(() => {
  writeOfficialRelease(release, TINY)
  writeFileSync(join(release, 'kontext.json'), JSON.stringify(CONFIG))
  const f = openCheckpointFolder(release)
  if (!f.ok) throw new Error(f.error.message)
  folder = f.value
}, 120_000)
afterAll(() => rmSync(home, { recursive: true, force: true }))

const scale = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0)

describe('built graphs’ precision', () => {
  it('auto: the transformer is float16 where the first provider is a GPU one, float32 on the CPU; T5 too, CLIP stays float32', () => {
    const pool = new SessionPool({ provider: 'cpu' })
    const opts = { files: pool, cacheDir: join(home, 'cache') }
    const gpu = new CheckpointKontextModels(folder, { ...opts, providers: ['webgpu', 'cpu'] })
    expect(gpu.builtPrecision).toBe('float16')
    expect(gpu.precisionPlan('transformer')).toMatchObject({
      ok: true,
      runs: 'float16',
      note: expect.stringContaining('WebGPU') as unknown,
    })
    expect(gpu.precisionPlan('t5')).toMatchObject({ ok: true, runs: 'float16' })
    expect(gpu.precisionPlan('clip')).toMatchObject({ ok: true, runs: 'float32' })
    expect(new CheckpointKontextModels(folder, { ...opts, providers: ['cpu'] }).builtPrecision).toBe('float32')
    // A quantised model keeps float32 graphs for the quantiser (which replaces float32 MatMul weights).
    expect(
      new CheckpointKontextModels(folder, { ...opts, providers: ['webgpu', 'cpu'], quantise: { bits: 8, blockSize: 32 } }).builtPrecision,
    ).toBe('float32')
    expect(new CheckpointKontextModels(folder, { ...opts, providers: ['cuda', 'cpu'], builtPrecision: 'float32' }).builtPrecision).toBe(
      'float32',
    )
  })

  it('$KONTEXT_BUILT_PRECISION forces the choice; an unknown value is refused with what to use', () => {
    const saved = process.env.KONTEXT_BUILT_PRECISION
    try {
      delete process.env.KONTEXT_BUILT_PRECISION
      expect(builtPrecisionFromEnv()).toBe('auto')
      process.env.KONTEXT_BUILT_PRECISION = 'Float16'
      expect(builtPrecisionFromEnv()).toBe('float16')
      process.env.KONTEXT_BUILT_PRECISION = 'fp8'
      expect(() => builtPrecisionFromEnv()).toThrow(/KONTEXT_BUILT_PRECISION is “fp8”/)
    } finally {
      if (saved === undefined) delete process.env.KONTEXT_BUILT_PRECISION
      else process.env.KONTEXT_BUILT_PRECISION = saved
    }
  })

  it('forced float16 on the CPU: built as fp16, logged with the conversion counts, velocity close to float32’s', async () => {
    const pool = new SessionPool({ provider: 'cpu' })
    const logs: string[] = []
    const open = (builtPrecision: 'float16' | 'auto') =>
      new CheckpointKontextModels(folder, {
        providers: ['cpu'],
        files: pool,
        cacheDir: join(home, 'cache'),
        builtPrecision,
        log: (l) => logs.push(l),
      })
    const half = open('float16')
    const full = open('auto')
    try {
      const text = await full.encodeText('a red cat')
      const input = velocityProbe(text)
      const v16 = await half.predictVelocity(input)
      const v32 = await full.predictVelocity(input)
      const rel = maxAbs(v16, v32) / scale(v32)
      console.log(`checkpoint transformer fp16 vs float32 (CPU): max |Δ| / max |v| = ${rel.toExponential(2)}`)
      expect(scale(v32)).toBeGreaterThan(0.1)
      expect(rel).toBeLessThan(2e-3)
      expect(rel).toBeGreaterThan(1e-5)
      expect(logs.some((l) => /^engine: transformer: float16 on CPU \(mixed precision/.test(l))).toBe(true)
      expect(
        logs.some((l) =>
          /^engine: transformer: \d+ weights converted to fp16 while building: 0 clamped to ±65504, \d+ flushed to zero$/.test(l),
        ),
      ).toBe(true)
      expect(logs.some((l) => /^engine: transformer: float32 on CPU: the bf16 weights are widened/.test(l))).toBe(true)
    } finally {
      await pool.release()
    }
  }, 120_000)
})

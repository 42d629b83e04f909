/**
 * The memory check a checkpoint folder passes before any graph is built: the engine's graphs are
 * float32, so FLUX.1 Kontext [dev] at full size (bf16 transformer, fp8 T5 — header-only files
 * here, no bytes written) needs about four bytes a parameter even one phase at a time (the
 * transformer alone is 47.6 GB), and a machine without that much free memory is told so up front,
 * with the phase and the figures, instead of failing half-way through a build.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fit } from '../../../engine/cli/fitCommand'
import { memoryRefusal, openCheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import {
  bflAutoencoderSpecs,
  bflTransformerSpecs,
  clipTextSpecs,
  FULL,
  t5EncoderSpecs,
  writeClipTokenizerDir,
  writeHeaderOnly,
} from '../../support/fluxCheckpoints'
import { writeT5TokenizerDir } from '../../support/fluxFolders'

const GB = 1024 ** 3
const dir = mkdtempSync(join(tmpdir(), 'kontext-mem-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('checkpoint memory check', () => {
  it('FLUX.1 Kontext [dev] at full size: ~4 bytes per parameter, refused on a 24 GB machine, accepted on a large one', () => {
    writeHeaderOnly(join(dir, 'flux1-kontext-dev.safetensors'), bflTransformerSpecs(FULL.transformer), 'BF16')
    writeHeaderOnly(join(dir, 'ae.safetensors'), bflAutoencoderSpecs(FULL.ae), 'F32')
    writeHeaderOnly(join(dir, 'clip_l.safetensors'), clipTextSpecs(FULL.clip), 'F16')
    writeHeaderOnly(join(dir, 't5xxl_fp8_e4m3fn.safetensors'), t5EncoderSpecs(FULL.t5), 'F8_E4M3')
    writeClipTokenizerDir(join(dir, 'tokenizer'))
    writeT5TokenizerDir(join(dir, 'tokenizer_2'))
    const small = openCheckpointFolder(dir, { freeBytes: 24 * GB })
    expect(small.ok).toBe(false)
    if (!small.ok) {
      expect(small.error.code).toBe('model.invalid')
      // The smallest preferred resolution without references, the transformer's phase: it names the need and the free memory.
      expect(small.error.message).toMatch(
        /needs about \d+\.\d GiB while denoising \(transformer, float32 weights 44\.\d GiB\).*; 24\.0 GiB of memory is free/,
      )
      expect(small.error.message).not.toMatch(/Would fit/)
    }
    const big = openCheckpointFolder(dir, { freeBytes: 1024 * GB })
    const parts = big.ok ? big.value.parts : null
    expect(parts && memoryRefusal(parts, [[1024, 1024]], 128 * GB)).toBeNull()
    expect(big.ok).toBe(true)
    if (big.ok) {
      // 11.9 G transformer + 4.8 G T5 encoder + 123 M CLIP + 84 M autoencoder parameters, 4 bytes each.
      expect(big.value.float32Bytes / 1e9).toBeGreaterThan(66)
      expect(big.value.float32Bytes / 1e9).toBeLessThan(69)
      expect(big.value.manifest.rope.axes).toEqual([16, 56, 56])
      expect(big.value.manifest.latent).toMatchObject({ channels: 16, patch: 2, downsample: 8, scale: 0.3611, shift: 0.1159 })
      expect(big.value.manifest.resolutions).toContainEqual([1024, 1024])
    }
  })

  it('kontext models fit prints the plan graph by graph and phase by phase; exit 4 with what would fit when it does not', async () => {
    const run = async (...args: string[]) => {
      let out = ''
      const ctx = {
        out: (t: string) => (out += t),
        err: (t: string) => (out += t),
        isTTY: false,
        cwd: dir,
        signal: new AbortController().signal,
      }
      return { code: await fit(args, ctx), out }
    }
    const small = await run('.', '--width', '1024', '--height', '1024', '--refs', '1', '--free-gib', '26')
    expect(small.code).toBe(4)
    for (const g of ['CLIP-L', 'T5', 'autoencoder encoder', 'transformer', 'autoencoder decoder']) expect(small.out).toContain(g)
    expect(small.out).toMatch(/denoise +\d+\.\d GiB {2}= runtime 0\.2 GiB \+ weights 44\.\d GiB/)
    expect(small.out).toMatch(
      /Free now: 26\.0 GiB → does not fit\. Would fit: the 16-bit transformer and T5 \(built for CUDA, DirectML and WebGPU\)/,
    )
    expect(small.out).toContain('the CPU runs them in float32; CLIP-L and the autoencoder stay float32')
    expect(small.out).toMatch(/transformer +\d+ M weights +44\.\d GiB float32/)
    const half = await run('.', '--refs', '1', '--free-gib', '26', '--precision', 'float16')
    expect(half.out).toMatch(/transformer +\d+ M weights +22\.\d GiB float16/)
    expect(half.out).toMatch(/T5 +\d+ M weights +11\.\d GiB float16/)
    expect(half.code).toBe(0)
    const big = await run('.', '--free-gib', '200')
    expect(big.code).toBe(0)
    expect(big.out).toMatch(/Memory plan: 1024×1024, 1 reference image, float32 weights/)
    expect(big.out).toMatch(/fits with every graph held between jobs/)
    expect((await run('.', '--refs', 'x')).code).toBe(2)
  })
})

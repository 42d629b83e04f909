/**
 * The diffusers `transformer/` and `vae/` layouts run: a diffusers folder holding exactly the
 * weights of an official-release folder (converted as diffusers' own scripts do,
 * test/support/diffusersFromBfl.ts) gives the same picture as the release through `kontext edit`,
 * and the same tensors component by component. A wrong split, swap or renumbering in either
 * mapping changes the numbers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRgb } from '../../../engine/image/imageIo'
import { openCheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../../engine/pipeline/checkpointModels'
import { SessionPool } from '../../../engine/sessions'
import { runCli } from '../../fixtures/engine/runCli'
import { TINY } from '../../support/fluxCheckpoints'
import { writeDiffusersFromRelease } from '../../support/diffusersFromBfl'
import { writeOfficialRelease } from '../../support/fluxFolders'
import { velocityProbe } from '../../fixtures/engine/velocityProbe'

const CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[48, 32]] }
const home = mkdtempSync(join(tmpdir(), 'kontext-diffusers-'))
const release = join(home, 'release')
const diffusers = join(home, 'diffusers')
const savedHome = process.env.KONTEXT_STUDIO_HOME

beforeAll(async () => {
  process.env.KONTEXT_STUDIO_HOME = home
  writeOfficialRelease(release, TINY)
  writeDiffusersFromRelease(release, diffusers)
  for (const d of [release, diffusers]) writeFileSync(join(d, 'kontext.json'), JSON.stringify(CONFIG))
  const rgb = Buffer.alloc(40 * 28 * 3)
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 53) % 251
  await sharp(rgb, { raw: { width: 40, height: 28, channels: 3 } })
    .png()
    .toFile(join(home, 'in.png'))
}, 120_000)
afterAll(() => {
  if (savedHome === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = savedHome
  rmSync(home, { recursive: true, force: true })
})

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0)

describe('a diffusers folder (transformer/, vae/)', () => {
  it('is opened in its own layout, nothing refused', () => {
    const f = openCheckpointFolder(diffusers)
    if (!f.ok) throw new Error(f.error.message)
    expect([f.value.parts.transformer.layout, f.value.parts.autoencoder.layout]).toEqual(['diffusers', 'diffusers'])
    expect(f.value.manifest.guidance.mode).toBe('embedded')
  })

  it('computes what the release computes, component by component', async () => {
    const pool = new SessionPool({ provider: 'cpu' })
    const open = (dir: string) => {
      const f = openCheckpointFolder(dir)
      if (!f.ok) throw new Error(f.error.message)
      return new CheckpointKontextModels(f.value, { providers: ['cpu'], files: pool, cacheDir: join(home, 'cache') })
    }
    const a = open(release)
    const b = open(diffusers)
    try {
      const text = await a.encodeText('a red cat')
      const input = velocityProbe(text)
      const va = await a.predictVelocity(input)
      const vb = await b.predictVelocity(input)
      const planes = { data: Float32Array.from({ length: 3 * 32 * 48 }, (_, i) => Math.cos(i * 0.21)), channels: 3, height: 32, width: 48 }
      const za = await a.encodeImage(planes)
      const zb = await b.encodeImage(planes)
      const xa = await a.decode(za)
      const xb = await b.decode(za)
      const errs = { transformer: maxAbs(va, vb), encode: maxAbs(za.data, zb.data), decode: maxAbs(xa.data, xb.data) }
      console.log(`diffusers vs BFL layout, max abs: transformer ${errs.transformer}, ae encode ${errs.encode}, ae decode ${errs.decode}`)
      expect(Math.max(va.reduce((m, v) => Math.max(m, Math.abs(v)), 0))).toBeGreaterThan(0.01)
      for (const e of Object.values(errs)) expect(e).toBeLessThan(1e-5)
    } finally {
      await a.release()
      await b.release()
      await pool.release()
    }
  }, 300_000)

  it('kontext edit --model DIR gives the release’s picture', async () => {
    const edit = (dir: string, out: string) =>
      runCli(
        home,
        'edit',
        '--model',
        dir,
        '--in',
        'in.png',
        '--prompt',
        'a red cat',
        '--seed',
        '3',
        '--steps',
        '2',
        '--provider',
        'cpu',
        '--out',
        out,
      )
    const r = await edit(diffusers, 'd.png')
    expect(r.err).not.toMatch(/kontext:/)
    expect(r.code).toBe(0)
    expect((await edit(release, 'r.png')).code).toBe(0)
    const x = await decodeRgb(readFileSync(join(home, 'd.png')))
    const y = await decodeRgb(readFileSync(join(home, 'r.png')))
    let d = 0
    for (let i = 0; i < x.rgb.length; i++) d = Math.max(d, Math.abs(x.rgb[i]! - y.rgb[i]!))
    expect(d).toBeLessThanOrEqual(1)
  }, 300_000)
})

/**
 * `kontext edit --model DIR` on folders of small random FLUX checkpoints in the shapes users hold
 * (the official release: BFL transformer + ae.safetensors + diffusers text encoders/tokenizers;
 * a ComfyUI folder of single files, bf16/fp16 or scaled fp8, plus the T5 tokenizer it lacks): the engine builds every graph
 * from the tensors and writes a PNG of the requested size with its metadata; the same seed gives
 * the same picture, the folders are listed by `kontext models`, and a folder that cannot run says why.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeRgb } from '../../../engine/image/imageIo'
import { readPngText } from '../../../engine/image/pngText'
import { runCli } from '../../fixtures/engine/runCli'
import { repoRoot } from '../../fixtures/engine/paths'
import { modelDirs } from '../../../main/services/paths'
import { TINY } from '../../support/fluxCheckpoints'
import { writeComfyFolder, writeOfficialRelease, writeT5TokenizerDir } from '../../support/fluxFolders'

/** What the tiny tensors cannot say: RoPE axes for 16-wide heads, CLIP's heads, small buckets (the autoencoder halves). */
export const TINY_CONFIG = {
  rope: { axes: [4, 6, 6], theta: 10000 },
  clipHeads: 2,
  resolutions: [
    [32, 32],
    [48, 32],
    [32, 48],
  ],
}

const home = mkdtempSync(join(tmpdir(), 'kontext-ckpt-'))
const models = join(home, 'models')
const release = join(models, 'official')
const comfy = join(models, 'comfy')
const fp8 = join(models, 'comfy-fp8')
const cli = (...argv: string[]) => runCli(home, ...argv)
const savedHome = process.env.KONTEXT_STUDIO_HOME

beforeAll(async () => {
  process.env.KONTEXT_STUDIO_HOME = home
  writeOfficialRelease(release, TINY)
  writeComfyFolder(comfy, TINY)
  writeComfyFolder(fp8, TINY, { fp8: true, fp8Scaled: true })
  for (const d of [comfy, fp8]) writeT5TokenizerDir(join(d, 'tokenizer_2'))
  for (const d of [release, comfy, fp8]) writeFileSync(join(d, 'kontext.json'), JSON.stringify(TINY_CONFIG))
  const rgb = Buffer.alloc(40 * 28 * 3)
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 251
  await sharp(rgb, { raw: { width: 40, height: 28, channels: 3 } })
    .png()
    .toFile(join(home, 'in.png'))
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = savedHome
  rmSync(home, { recursive: true, force: true })
})

const edit = (dir: string, out: string, seed = '5') =>
  cli('edit', '--model', dir, '--in', 'in.png', '--prompt', 'a red cat', '--seed', seed, '--steps', '2', '--provider', 'cpu', '--out', out)

describe('kontext edit on checkpoint folders', () => {
  for (const [shape, dir] of [
    ['official release', release],
    ['ComfyUI folder', comfy],
    ['ComfyUI fp8 folder', fp8],
  ] as const)
    it(`${shape}: writes a PNG at the bucket nearest the input's aspect, with its metadata, the same for the same seed`, async () => {
      const r = await edit(dir, `${shape}-a.png`)
      expect(r.err).not.toMatch(/kontext:/)
      expect(r.code).toBe(0)
      expect(r.out).toMatch(/\(48×32, seed 5, 2 steps, \d+ ms on cpu\)/)
      const png = readFileSync(join(home, `${shape}-a.png`))
      const img = await decodeRgb(png)
      expect([img.width, img.height]).toEqual([48, 32])
      expect(readPngText(png)).toMatchObject({ prompt: 'a red cat', seed: '5', steps: '2', width: '48', height: '32' })
      expect(readPngText(png).parent).toMatch(/^[0-9a-f]{64}$/)
      const again = await edit(dir, `${shape}-b.png`)
      expect(again.code).toBe(0)
      expect((await decodeRgb(readFileSync(join(home, `${shape}-b.png`)))).rgb).toEqual(img.rgb)
      expect((await edit(dir, `${shape}-c.png`, '6')).code).toBe(0)
      expect((await decodeRgb(readFileSync(join(home, `${shape}-c.png`)))).rgb).not.toEqual(img.rgb)
    }, 300_000)

  it('kontext models lists the folders by their folder names, and validate builds all five graphs', async () => {
    const r = await cli('models', '--json')
    expect(r.code).toBe(0)
    const listed = (JSON.parse(r.out) as { models: { id: string; dir: string }[] }).models
    expect(listed.filter((m) => m.dir.startsWith(models)).map((m) => m.id)).toEqual(['comfy', 'comfy-fp8', 'official'])
    // The studio's host hands the engine the same folders.
    expect(modelDirs(repoRoot, home).filter((d) => d.startsWith(models))).toEqual([comfy, fp8, release])
    const v = await cli('models', 'validate', release)
    expect(v.code).toBe(0)
    expect(v.out).toMatch(/^official: OK — .*all 5 graphs built/)
  })

  it('--width/--height pick the preferred size of that aspect', async () => {
    const r = await cli(
      'edit',
      '--model',
      release,
      '--in',
      'in.png',
      '--prompt',
      'a cat',
      '--seed',
      '1',
      '--steps',
      '1',
      '--width',
      '32',
      '--height',
      '48',
      '--provider',
      'cpu',
      '--out',
      'tall.png',
    )
    expect(r.code).toBe(0)
    const img = await decodeRgb(readFileSync(join(home, 'tall.png')))
    expect([img.width, img.height]).toEqual([32, 48])
  }, 300_000)

  it('a kontext.json that does not fit the tensors is refused before any graph is built (exit 4)', async () => {
    const wrong = join(home, 'wrong')
    writeOfficialRelease(wrong, TINY)
    writeFileSync(
      join(wrong, 'kontext.json'),
      JSON.stringify({ ...TINY_CONFIG, rope: { axes: [16, 56, 56], theta: 10000 }, resolutions: [[30, 32]] }),
    )
    const r = await edit(wrong, 'w.png')
    expect(r.code).toBe(4)
    expect(r.err).toMatch(/resolution 30×32 is not a multiple of 4/)
    expect(r.err).toMatch(/RoPE axes \[16, 56, 56\] must sum to the transformer's head size 16/)
  })

  it('a folder without its T5 tokenizer is refused with what to add (exit 4)', async () => {
    const bare = join(home, 'bare')
    mkdirSync(bare)
    writeComfyFolder(bare, TINY)
    const r = await edit(bare, 'x.png')
    expect(r.code).toBe(4)
    expect(r.err).toMatch(/No T5 tokenizer: copy the tokenizer_2\/ folder/)
  })
})

/**
 * `kontext edit --mask` on the bundled kontext-tiny does what the studio's region edit does: the
 * result keeps the image's size, every pixel outside the painted mask is the input's, byte for
 * byte, and inside it the edit shows. The feather changes the seam, never the outside.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPngText } from '../../../engine/image/pngText'
import { runCli } from '../../fixtures/engine/runCli'
import { scene } from '../host/scenes'

const dir = mkdtempSync(join(tmpdir(), 'kontext-region-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cli = (...argv: string[]) => runCli(dir, ...argv)

/** The painted rectangle: x 8–55, y 8–47 of the 128×96 scene (over the red circle). */
const inside = (x: number, y: number) => x >= 8 && x < 56 && y >= 8 && y < 48
let input: Uint8Array

beforeAll(async () => {
  input = await scene()
  writeFileSync(join(dir, 'in.png'), input)
  const mask = await sharp({ create: { width: 128, height: 96, channels: 3, background: '#000' } })
    .composite([{ input: { create: { width: 48, height: 40, channels: 3, background: '#fff' } }, left: 8, top: 8 }])
    .png()
    .toBuffer()
  writeFileSync(join(dir, 'mask.png'), mask)
  writeFileSync(
    join(dir, 'empty.png'),
    await sharp({ create: { width: 128, height: 96, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  )
})

const rgba = async (bytes: Uint8Array) => sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true })

/** Pixels that differ from the input, outside and inside the painted rectangle. */
async function changedPixels(out: Uint8Array): Promise<{ outside: number; inside: number; size: [number, number] }> {
  const a = await rgba(input)
  const b = await rgba(out)
  let outsideChanged = 0
  let insideChanged = 0
  for (let y = 0; y < a.info.height; y++)
    for (let x = 0; x < a.info.width; x++) {
      const i = (y * a.info.width + x) * 4
      const same = [0, 1, 2, 3].every((c) => a.data[i + c] === b.data[i + c])
      if (!same && inside(x, y)) insideChanged++
      if (!same && !inside(x, y)) outsideChanged++
    }
  return { outside: outsideChanged, inside: insideChanged, size: [b.info.width, b.info.height] }
}

const edit = (out: string, ...extra: string[]) =>
  cli(
    'edit',
    '--in',
    'in.png',
    '--mask',
    'mask.png',
    '--prompt',
    'remove the red circle',
    '--seed',
    '4',
    '--steps',
    '6',
    '--provider',
    'cpu',
    '--out',
    out,
    ...extra,
  )

describe('kontext edit --mask', () => {
  it('changes only the painted region and keeps the image’s size and every outside pixel', async () => {
    const r = await edit('region.png', '--json')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, width: 128, height: 96 })
    const png = readFileSync(join(dir, 'region.png'))
    const changed = await changedPixels(png)
    expect(changed.size).toEqual([128, 96])
    expect(changed.outside).toBe(0)
    // The circle is inside the mask: the edit shows on a good part of the 48×40 region.
    expect(changed.inside).toBeGreaterThan(200)
    const meta = readPngText(png)
    // Provenance names the image edited (not the crop the model saw) and where the crop was.
    expect(meta.parent).toBe(createHash('sha256').update(input).digest('hex'))
    expect(meta.region).toMatch(/^\d+,\d+,\d+x\d+$/)
    expect(meta).toMatchObject({ prompt: 'remove the red circle', seed: '4', width: '128', height: '96' })
  })

  it('a hard edge (--feather 0) changes the seam, never the outside', async () => {
    const soft = readFileSync(join(dir, 'region.png'))
    const r = await edit('hard.png', '--feather', '0')
    expect(r.code).toBe(0)
    const hard = readFileSync(join(dir, 'hard.png'))
    expect((await changedPixels(hard)).outside).toBe(0)
    expect(readPngText(hard).feather).toBe('0')
    expect((await rgba(hard)).data).not.toEqual((await rgba(soft)).data)
  })

  it('explains an empty mask, a feather without a mask and a size given with a mask', async () => {
    const empty = await cli(
      'edit',
      '--in',
      'in.png',
      '--mask',
      'empty.png',
      '--prompt',
      'remove the red circle',
      '--provider',
      'cpu',
      '--json',
    )
    expect(empty.code).not.toBe(0)
    expect(JSON.parse(empty.out)).toMatchObject({ ok: false, error: { code: 'region.emptyMask' } })
    const feather = await cli('edit', '--in', 'in.png', '--feather', '3', '--prompt', 'remove the red circle')
    expect(feather.code).toBe(2)
    expect(feather.err).toContain('--feather needs --mask')
    const sized = await cli(
      'edit',
      '--in',
      'in.png',
      '--mask',
      'mask.png',
      '--width',
      '64',
      '--height',
      '64',
      '--prompt',
      'remove the red circle',
    )
    expect(sized.code).toBe(2)
    const missing = await cli('edit', '--in', 'in.png', '--mask', 'nope.png', '--prompt', 'remove the red circle')
    expect(missing.err).toContain('--mask nope.png: no such file')
  })
})

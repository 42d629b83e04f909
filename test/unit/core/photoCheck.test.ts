/**
 * The kontext-tiny photo warning's rule on real pictures: the bundled model's own contexts and
 * outputs (64×64) never warn, a large noisy picture does, a large flat one does not, and a model
 * with an open vocabulary never does.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { demonstrationWarning, quantisedColours } from '../../../core/domain/photoCheck'
import { goldenDir } from '../../fixtures/engine/paths'

const tiny = { name: 'Kontext tiny (bundled)', vocabulary: ['a', 'circle', 'red'], resolutions: [[64, 64]] as const }

async function facts(png: Buffer | string) {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, colours: quantisedColours(data) }
}

describe('demonstrationWarning', () => {
  it('never warns on the bundled model’s own pictures', async () => {
    const pngs = readdirSync(goldenDir).filter((f) => f.endsWith('.png'))
    expect(pngs.length).toBeGreaterThan(5)
    for (const f of pngs) expect(demonstrationWarning(tiny, await facts(join(goldenDir, f))), f).toBeNull()
  })

  it('warns on a large picture with many colours, not on a large flat one, and never for an open vocabulary', async () => {
    const w = 320
    const h = 240
    const px = Buffer.alloc(w * h * 3)
    let seed = 3
    for (let i = 0; i < px.length; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      px[i] = seed >> 23
    }
    const noisy = await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .png()
      .toBuffer()
    const f = await facts(noisy)
    expect(f.colours).toBeGreaterThan(1000)
    expect(demonstrationWarning(tiny, f)).toMatch(
      /only knows coloured shapes .* at 64×64 \(3 words\).*320×240.*Add FLUX\.1 Kontext \[dev\]/,
    )
    const flat = await sharp({ create: { width: 800, height: 600, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toBuffer()
    expect(demonstrationWarning(tiny, await facts(flat))).toBeNull()
    expect(demonstrationWarning({ ...tiny, vocabulary: null }, f)).toBeNull()
  })
})

/** A batch item's region mask made from its own photo, read back as the engine reads a painted mask. */
import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { makeRegionMask } from '../../../../engine/image/regionMask'
import { decodeMask } from '../../../../engine/image/imageIo'

/** A 12×10 cut-out: an opaque red product at x 4–7, y 3–6 on a transparent background. */
async function cutOut(): Promise<Uint8Array> {
  const data = new Uint8Array(12 * 10 * 4)
  for (let y = 3; y < 7; y++) for (let x = 4; x < 8; x++) data.set([200, 30, 30, 255], (y * 12 + x) * 4)
  return new Uint8Array(
    await sharp(data, { raw: { width: 12, height: 10, channels: 4 } })
      .png()
      .toBuffer(),
  )
}

describe('makeRegionMask', () => {
  it('“background” marks exactly the transparent pixels of a cut-out', async () => {
    const made = await makeRegionMask(await cutOut(), 'background')
    if (!made.ok) throw new Error(made.error.message)
    expect(made.value).toMatchObject({ width: 12, height: 10 })
    const mask = await decodeMask(made.value.png, 12, 10)
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 12; x++) expect(mask[y * 12 + x], `${x},${y}`).toBe(x >= 4 && x < 8 && y >= 3 && y < 7 ? 0 : 255)
  })

  it('refuses “background” on a photo with no transparency, saying what to use instead', async () => {
    const opaque = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#fff' } })
        .jpeg()
        .toBuffer(),
    )
    const made = await makeRegionMask(opaque, 'background', '“shoe.jpg”')
    expect(made.ok).toBe(false)
    if (made.ok) return
    expect(made.error.code).toBe('region.noTransparency')
    expect(made.error.message).toContain('shoe.jpg')
    expect(made.error.hint).toContain('transparent')
  })

  it('“centre” on the same photo is geometry only (the middle 60%)', async () => {
    const made = await makeRegionMask(await cutOut(), 'centre')
    if (!made.ok) throw new Error(made.error.message)
    const mask = await decodeMask(made.value.png, 12, 10)
    expect(mask.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(7 * 6)
  })
})

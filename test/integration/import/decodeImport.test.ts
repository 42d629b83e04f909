import { createRequire } from 'node:module'
import type * as Gifenc from 'gifenc'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { crc32 } from 'node:zlib'
import { decodeImport, isAnimatedPng } from '../../../engine/image/imageIo'

const limits = { maxBytes: 256 * 2 ** 20, maxSide: 16384 }
const base = () => sharp({ create: { width: 40, height: 30, channels: 4, background: { r: 200, g: 30, b: 60, alpha: 0.5 } } })

async function pixel(png: Uint8Array, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true })
  const i = (y * info.width + x) * info.channels
  return Array.from(data.subarray(i, i + info.channels))
}

describe('importing a user’s image file', () => {
  it.each([
    ['png', () => base().png()],
    ['jpeg', () => base().jpeg()],
    ['webp', () => base().webp()],
    ['avif', () => base().avif()],
    ['tiff', () => base().tiff()],
    ['gif', () => base().gif()],
  ])('reads %s and stores it as PNG of the same size', async (format, make) => {
    const bytes = new Uint8Array(await make().toBuffer())
    const result = await decodeImport(bytes, `photo.${format}`, limits)
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.sourceFormat).toBe(format)
    expect([result.value.width, result.value.height]).toEqual([40, 30])
    expect((await sharp(result.value.png).metadata()).format).toBe('png')
  })

  it('keeps an upright PNG as the bytes the user gave, so a photo is not inflated', async () => {
    // A noisy "photo" compressed with row filters, as cameras and editors write them.
    const noise = new Uint8Array(256 * 256 * 3).map((_, i) => (i * 2654435761) >>> 24)
    const photo = new Uint8Array(
      await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
        .png({ adaptiveFiltering: true })
        .toBuffer(),
    )
    const result = await decodeImport(photo, 'shoe.png', limits)
    if (!result.ok) throw new Error(result.error.message)
    expect(Buffer.from(result.value.png).equals(Buffer.from(photo))).toBe(true)
    expect(result.value).toMatchObject({ width: 256, height: 256, hasAlpha: false })
  })

  it('tells an animated PNG from a still one by its acTL chunk', async () => {
    const still = new Uint8Array(await base().png().toBuffer())
    const chunk = (type: string, data: Uint8Array) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
      const out = Buffer.alloc(12 + data.length)
      out.writeUInt32BE(data.length, 0)
      body.copy(out, 4)
      out.writeUInt32BE(crc32(body), 8 + data.length)
      return out
    }
    const ihdrEnd = 8 + 12 + 13
    const animated = Buffer.concat([still.subarray(0, ihdrEnd), chunk('acTL', new Uint8Array(8)), still.subarray(ihdrEnd)])
    expect(isAnimatedPng(still)).toBe(false)
    expect(isAnimatedPng(new Uint8Array(animated))).toBe(true)
  })

  it('keeps the alpha of a product shot with transparency', async () => {
    const result = await decodeImport(new Uint8Array(await base().png().toBuffer()), 'bottle.png', limits)
    if (!result.ok) throw new Error(result.error.message)
    expect(result.value.hasAlpha).toBe(true)
    expect((await pixel(result.value.png, 5, 5))[3]).toBe(128)
  })

  it('applies the EXIF orientation, so a portrait phone photo stays upright', async () => {
    const rotated = new Uint8Array(
      await sharp({ create: { width: 40, height: 30, channels: 3, background: '#0a0' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    )
    const result = await decodeImport(rotated, 'phone.jpg', limits)
    if (!result.ok) throw new Error(result.error.message)
    expect([result.value.width, result.value.height]).toEqual([30, 40])
  })

  it('takes the first frame of an animated GIF', async () => {
    const { GIFEncoder } = createRequire(import.meta.url)('gifenc') as typeof Gifenc
    const gif = GIFEncoder()
    const palette = [
      [255, 0, 0],
      [0, 0, 255],
    ]
    gif.writeFrame(new Uint8Array(20 * 40).fill(0), 20, 40, { palette, delay: 100 })
    gif.writeFrame(new Uint8Array(20 * 40).fill(1), 20, 40, { delay: 100 })
    gif.finish()
    const result = await decodeImport(gif.bytes(), 'anim.gif', limits)
    if (!result.ok) throw new Error(result.error.message)
    expect([result.value.width, result.value.height]).toEqual([20, 40])
    expect((await pixel(result.value.png, 3, 3)).slice(0, 3)).toEqual([255, 0, 0])
  })

  it.each([
    ['not an image', new TextEncoder().encode('hello, this is text'), 'image.notAnImage'],
    ['empty', new Uint8Array(0), 'image.empty'],
  ])('refuses a file that is %s with a clear message', async (_what, bytes, code) => {
    const result = await decodeImport(bytes, 'notes.txt', limits)
    expect(!result.ok && result.error.code).toBe(code)
    expect(!result.ok && result.error.message).toContain('notes.txt')
  })

  it('refuses a truncated file instead of importing half a picture', async () => {
    const png = new Uint8Array(
      await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } })
        .png({ compressionLevel: 0 })
        .toBuffer(),
    )
    const result = await decodeImport(png.subarray(0, Math.floor(png.length / 2)), 'cut.png', limits)
    expect(!result.ok && result.error.code).toBe('image.corrupt')
  })

  it('refuses images over the size limits and says what to do', async () => {
    const png = new Uint8Array(await base().png().toBuffer())
    const tooWide = await decodeImport(png, 'wide.png', { maxBytes: limits.maxBytes, maxSide: 32 })
    expect(!tooWide.ok && tooWide.error.code).toBe('image.tooManyPixels')
    expect(!tooWide.ok && tooWide.error.message).toContain('32 px')
    const tooHeavy = await decodeImport(png, 'heavy.png', { maxBytes: 10, maxSide: limits.maxSide })
    expect(!tooHeavy.ok && tooHeavy.error.code).toBe('image.tooLarge')
  })

  it('refuses an SVG, which is a document rather than a photo', async () => {
    const svg = new TextEncoder().encode(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
    )
    const result = await decodeImport(svg, 'logo.svg', limits)
    expect(!result.ok && result.error.code).toBe('image.unsupportedFormat')
    expect(!result.ok && result.error.message).toBe('“logo.svg” is in SVG format, which the studio does not open.')
  })
})

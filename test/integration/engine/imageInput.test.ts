/** Model input through sharp: orientation applied, alpha flattened on white, Lanczos to exactly the bucket. */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { decodeRgbForModel, probeImage } from '../../../engine/image/imageIo'
import { solidGreyPng } from '../../support/solidPng'

describe('decoding images for the model', () => {
  it('reports the upright size of an EXIF-rotated photo and decodes it upright', async () => {
    // 40×20 stored, orientation 6 (rotate 90° clockwise to view) → 20×40 upright; left half red, right half blue.
    const raw = Buffer.alloc(40 * 20 * 3)
    for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) raw.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3)
    const jpeg = await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer()
    expect(await probeImage(jpeg, 'photo.jpg')).toEqual({ ok: true, value: { width: 20, height: 40 } })
    const rgb = await decodeRgbForModel(jpeg, 20, 40, 'photo.jpg')
    if (!rgb.ok) throw new Error(rgb.error.message)
    // Rotating clockwise puts the stored left (red) half on top.
    const top = rgb.value.subarray(0, 3)
    const bottom = rgb.value.subarray(39 * 20 * 3, 39 * 20 * 3 + 3)
    expect(top[0]).toBeGreaterThan(200)
    expect(bottom[2]).toBeGreaterThan(200)
  })

  it('flattens transparency on white and resizes to the exact bucket without cropping', async () => {
    const rgba = Buffer.alloc(30 * 10 * 4) // fully transparent black
    rgba.set([0, 128, 0, 255], 0) // one opaque green pixel at the top-left
    const png = await sharp(rgba, { raw: { width: 30, height: 10, channels: 4 } })
      .png()
      .toBuffer()
    const rgb = await decodeRgbForModel(png, 64, 64, 'cutout.png')
    if (!rgb.ok) throw new Error(rgb.error.message)
    expect(rgb.value).toHaveLength(64 * 64 * 3)
    expect(Array.from(rgb.value.subarray(64 * 32 * 3 + 32 * 3, 64 * 32 * 3 + 32 * 3 + 3))).toEqual([255, 255, 255])
    expect(rgb.value[1]).toBeGreaterThan(rgb.value[0]!) // the green corner survives the stretch
  })

  it('refuses bytes that are not an image with the studio’s error', async () => {
    expect(await decodeRgbForModel(new Uint8Array([1, 2, 3]), 64, 64, 'notes.txt')).toMatchObject({
      ok: false,
      error: { code: 'image.notAnImage' },
    })
    expect(await probeImage(new Uint8Array([1, 2, 3]), 'notes.txt')).toMatchObject({ ok: false, error: { code: 'image.notAnImage' } })
  })

  it('refuses an image over the studio’s limit from its header, and decodes one at the limit', async () => {
    // A valid 30000² PNG (900 Mpx) was decoded whole before: now its header is enough to refuse it.
    const vast = await probeImage(await solidGreyPng(30000, 30000, 128), 'context image 1')
    expect(vast).toMatchObject({ ok: false, error: { code: 'image.tooManyPixels' } })
    expect(!vast.ok && vast.error.message).toBe('“context image 1” is 30000×30000 px; the limit is 16384 px a side.')
    const largest = await solidGreyPng(16384, 16384, 200)
    expect(await probeImage(largest, 'largest.png')).toEqual({ ok: true, value: { width: 16384, height: 16384 } })
    const rgb = await decodeRgbForModel(largest, 64, 64, 'largest.png')
    if (!rgb.ok) throw new Error(rgb.error.message)
    expect(Array.from(rgb.value.subarray(0, 3))).toEqual([200, 200, 200])
  })
})

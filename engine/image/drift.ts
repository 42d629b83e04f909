/**
 * The drift measure: 1 − mean SSIM (ssim.js, 11-px windows on luma) outside the edited region.
 * SSIM follows structure and contrast the way a viewer notices drift, is bounded (0 = identical),
 * and needs no model download. Runs in the image worker: it decodes both images (the second at
 * the first one's size) and the mask.
 */
import { ssim } from 'ssim.js'
import { decodeMask, decodeRgba, type RgbaImage } from './imageIo'

const WINDOW = 11

/** Summed-area table of the mask, so "does this window touch the region" is four lookups. */
function integralMask(mask: Uint8Array, width: number, height: number): Uint32Array {
  const sat = new Uint32Array((width + 1) * (height + 1))
  for (let y = 0; y < height; y++) {
    let row = 0
    for (let x = 0; x < width; x++) {
      row += mask[y * width + x] ? 1 : 0
      sat[(y + 1) * (width + 1) + x + 1] = (sat[y * (width + 1) + x + 1] as number) + row
    }
  }
  return sat
}

/** 1 − mean SSIM over the windows that do not touch the mask (all windows without one). */
export function maskedDrift(a: RgbaImage, b: RgbaImage, mask: Uint8Array | null): number {
  if (a.width < WINDOW || a.height < WINDOW) return a.data.every((v, i) => v === b.data[i]) ? 0 : 1
  const { ssim_map: map } = ssim(
    { data: new Uint8ClampedArray(a.data.buffer, a.data.byteOffset, a.data.byteLength), width: a.width, height: a.height },
    { data: new Uint8ClampedArray(b.data.buffer, b.data.byteOffset, b.data.byteLength), width: b.width, height: b.height },
    { ssim: 'fast', downsample: false, windowSize: WINDOW },
  )
  const sat = mask ? integralMask(mask, a.width, a.height) : null
  const stride = a.width + 1
  const touches = (x: number, y: number): boolean =>
    sat !== null &&
    (sat[(y + WINDOW) * stride + x + WINDOW] as number) -
      (sat[y * stride + x + WINDOW] as number) -
      (sat[(y + WINDOW) * stride + x] as number) +
      (sat[y * stride + x] as number) >
      0
  let sum = 0
  let count = 0
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      if (touches(x, y)) continue
      sum += map.data[y * map.width + x] as number
      count++
    }
  }
  return count === 0 ? 0 : Math.max(0, 1 - sum / count)
}

/** Drift of `other` from `image`, outside `mask` when there is one (images compared at `image`'s size). */
export async function measureDrift(image: Uint8Array, other: Uint8Array, mask: Uint8Array | null): Promise<number> {
  const a = await decodeRgba(image)
  const b = await decodeRgba(other, { width: a.width, height: a.height })
  return maskedDrift(a, b, mask ? await decodeMask(mask, a.width, a.height) : null)
}

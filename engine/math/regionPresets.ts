/**
 * The masks of the batch's region presets (core/domain/regionPreset.ts), one byte per pixel,
 * 255 = edit, as math/region.ts reads them. Pure: the caller decodes the photo.
 */
import type { MaskPreset } from '../../core/domain/regionPreset'

/** “centre”: the middle 60% of each side. */
export const CENTRE_FRACTION = 0.6
/** “edges”: a border 15% of the shorter side wide. */
export const EDGE_FRACTION = 0.15
/** “background”: a pixel with alpha below this is background (half-transparent edges stay the product's). */
export const ALPHA_THRESHOLD = 128

/** The rectangle of the middle `fraction` of each side, at least one pixel, centred. */
export function centreRect(width: number, height: number, fraction = CENTRE_FRACTION) {
  const w = Math.max(1, Math.round(width * fraction))
  const h = Math.max(1, Math.round(height * fraction))
  return { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), width: w, height: h }
}

export function centreMask(width: number, height: number, fraction = CENTRE_FRACTION): Uint8Array {
  const r = centreRect(width, height, fraction)
  const mask = new Uint8Array(width * height)
  for (let y = r.y; y < r.y + r.height; y++) mask.fill(255, y * width + r.x, y * width + r.x + r.width)
  return mask
}

/** A border `fraction` of the shorter side wide (at least one pixel): everything but an inner rectangle. */
export function edgesMask(width: number, height: number, fraction = EDGE_FRACTION): Uint8Array {
  const band = Math.max(1, Math.round(Math.min(width, height) * fraction))
  const mask = new Uint8Array(width * height)
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (x < band || y < band || x >= width - band || y >= height - band) mask[y * width + x] = 255
  return mask
}

/** The pixels of RGBA `data` whose alpha is below the threshold: a cut-out's background. */
export function alphaMask(data: Uint8Array, width: number, height: number, threshold = ALPHA_THRESHOLD): Uint8Array {
  const mask = new Uint8Array(width * height)
  for (let i = 0; i < mask.length; i++) if ((data[i * 4 + 3] as number) < threshold) mask[i] = 255
  return mask
}

/** The preset's mask for an RGBA image; all-zero when the preset finds nothing (no transparency). */
export function presetMask(preset: MaskPreset, rgba: Uint8Array, width: number, height: number): Uint8Array {
  switch (preset) {
    case 'background':
      return alphaMask(rgba, width, height)
    case 'centre':
      return centreMask(width, height)
    case 'edges':
      return edgesMask(width, height)
  }
}

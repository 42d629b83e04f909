/**
 * Region edits that keep everything else: the edit runs on a crop around the painted mask and is
 * blended back with weights that are 0 everywhere outside the mask — so pixels outside the region
 * stay byte-identical to the parent's, and the image keeps its size and framing.
 * Masks are one byte per pixel, non-zero = edit. Images are RGBA, row-major.
 */
export interface Rect {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** The smallest rectangle holding every masked pixel, or null for an empty mask. */
export function maskBounds(mask: Uint8Array, width: number, height: number): Rect | null {
  let minX = width
  let minY = height
  let maxX = -1
  let maxY = -1
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]) {
        if (x < minX) minX = x
        if (x > maxX) maxX = x
        if (y < minY) minY = y
        if (y > maxY) maxY = y
      }
    }
  }
  return maxX < 0 ? null : { x: minX, y: minY, width: maxX - minX + 1, height: maxY - minY + 1 }
}

/**
 * The crop the model sees: the mask's bounds grown by `marginFraction` on each side (the model
 * needs surroundings to match light and style), at least `minSide` square-ish, kept inside the image.
 */
export function cropAroundRegion(bounds: Rect, imageWidth: number, imageHeight: number, marginFraction = 0.5, minSide = 64): Rect {
  const grow = (size: number): number => Math.max(Math.round(size * (1 + 2 * marginFraction)), minSide)
  const width = Math.min(imageWidth, grow(bounds.width))
  const height = Math.min(imageHeight, grow(bounds.height))
  const cx = bounds.x + bounds.width / 2
  const cy = bounds.y + bounds.height / 2
  const x = Math.min(Math.max(0, Math.round(cx - width / 2)), imageWidth - width)
  const y = Math.min(Math.max(0, Math.round(cy - height / 2)), imageHeight - height)
  return { x, y, width, height }
}

/**
 * Blend weights in [0, 1]: 0 outside the mask, rising to 1 at `radius` pixels inside its edge
 * (chessboard distance to the nearest unmasked pixel, by two passes), so the seam is soft but
 * never leaks outside the region.
 */
export function featherWeights(mask: Uint8Array, width: number, height: number, radius: number): Float32Array {
  const inf = width + height
  const dist = new Int32Array(width * height)
  for (let i = 0; i < dist.length; i++) dist[i] = mask[i] ? inf : 0
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= width || y >= height ? 0 : (dist[y * width + x] as number))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      if (dist[i]) dist[i] = Math.min(dist[i] as number, at(x - 1, y) + 1, at(x, y - 1) + 1, at(x - 1, y - 1) + 1, at(x + 1, y - 1) + 1)
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = y * width + x
      if (dist[i]) dist[i] = Math.min(dist[i] as number, at(x + 1, y) + 1, at(x, y + 1) + 1, at(x + 1, y + 1) + 1, at(x - 1, y + 1) + 1)
    }
  }
  const weights = new Float32Array(width * height)
  const r = Math.max(1, radius)
  for (let i = 0; i < weights.length; i++) weights[i] = Math.min(1, (dist[i] as number) / r)
  return weights
}

/**
 * Pastes `edit` (the size of `crop`) into a copy of `parent` through the weights, alpha towards
 * opaque. Where the weight is 0 the parent's bytes are copied as they are.
 */
export function blendRegion(parent: Uint8Array, width: number, edit: Uint8Array, crop: Rect, weights: Float32Array): Uint8Array {
  const out = new Uint8Array(parent)
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const w = weights[(crop.y + y) * width + (crop.x + x)] as number
      if (w === 0) continue
      const o = ((crop.y + y) * width + (crop.x + x)) * 4
      const e = (y * crop.width + x) * 4
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((parent[o + c] as number) * (1 - w) + (edit[e + c] as number) * w)
      // The model's output is opaque: where it is pasted the pixel becomes as opaque as its weight,
      // so an edit of a cut-out's transparent background shows (opaque parents stay at 255).
      out[o + 3] = Math.round((parent[o + 3] as number) * (1 - w) + 255 * w)
    }
  }
  return out
}

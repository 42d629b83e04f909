/**
 * The strict classifier of the spec's scoring: image → scene. Background = the background colour
 * nearest to the mean border pixel (objects never reach a cell's outer pixel row/column, so the
 * image border is always background). Each cell = whichever of "empty" or (object colour,
 * shape × size mask) renders closest to the cell's pixels in squared error — template matching,
 * so every rendered scene classifies back to itself exactly (the true template has error 0, and
 * no other template renders the same pixels).
 */
import { BACKGROUNDS, BG_NAMES, COLOUR_NAMES, GRID, OBJECT_COLOURS, type BgName, type Scene, type SceneObject } from './domain'
import { SHAPE_SIZES, shapeMask, type ImageSize } from './render'

const sq = (a: number, b: number) => (a - b) * (a - b)

function nearestBackground(rgb: Uint8Array, size: number): BgName {
  const sum = [0, 0, 0]
  let n = 0
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      if (y !== 0 && y !== size - 1 && x !== 0 && x !== size - 1) continue
      for (let c = 0; c < 3; c++) sum[c]! += rgb[(y * size + x) * 3 + c]!
      n++
    }
  const mean = sum.map((s) => s / n)
  let best: BgName = BG_NAMES[0]!
  let bestD = Infinity
  for (const name of BG_NAMES) {
    const [r, g, b] = BACKGROUNDS[name]
    const d = sq(r, mean[0]!) + sq(g, mean[1]!) + sq(b, mean[2]!)
    if (d < bestD) [best, bestD] = [name, d]
  }
  return best
}

export function classifyImage(rgb: Uint8Array, imageSize: ImageSize = 64): Scene {
  if (rgb.length !== imageSize * imageSize * 3) throw new RangeError(`expected ${imageSize}×${imageSize} RGB, got ${rgb.length} bytes`)
  const bg = nearestBackground(rgb, imageSize)
  const bgRgb = BACKGROUNDS[bg]
  const cell = imageSize / GRID
  const px = cell * cell
  const errBg = new Float64Array(px)
  const errCol = COLOUR_NAMES.map(() => new Float64Array(px))
  const cells: (SceneObject | null)[] = []
  for (let i = 0; i < GRID * GRID; i++) {
    const [x0, y0] = [(i % GRID) * cell, Math.floor(i / GRID) * cell]
    let empty = 0
    for (let p = 0; p < px; p++) {
      const o = ((y0 + Math.floor(p / cell)) * imageSize + x0 + (p % cell)) * 3
      const [r, g, b] = [rgb[o]!, rgb[o + 1]!, rgb[o + 2]!]
      errBg[p] = sq(r, bgRgb[0]) + sq(g, bgRgb[1]) + sq(b, bgRgb[2])
      empty += errBg[p]!
      COLOUR_NAMES.forEach((name, k) => {
        const c = OBJECT_COLOURS[name]
        errCol[k]![p] = sq(r, c[0]) + sq(g, c[1]) + sq(b, c[2])
      })
    }
    // Error of a template = empty error + Σ over its mask of (colour error − background error).
    let best: SceneObject | null = null
    let bestErr = empty
    for (const [shape, size] of SHAPE_SIZES) {
      const mask = shapeMask(shape, size, imageSize)
      COLOUR_NAMES.forEach((colour, k) => {
        let e = empty
        const ec = errCol[k]!
        for (let p = 0; p < px; p++) if (mask[p]) e += ec[p]! - errBg[p]!
        if (e < bestErr) [best, bestErr] = [{ colour, shape, size }, e]
      })
    }
    cells.push(best)
  }
  return { bg, cells }
}

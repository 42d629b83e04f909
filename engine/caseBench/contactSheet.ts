/**
 * Contact sheets as raw RGB: one row per case, columns context | output | expected (a missing
 * image is drawn as a dark placeholder), each tile upscaled by an integer factor with nearest
 * neighbour so single pixels stay visible. Pure; the caller encodes it (engine/image/imageIo).
 */
export interface SheetTile {
  readonly rgb: Uint8Array
  readonly width: number
  readonly height: number
}

export interface Sheet {
  readonly rgb: Uint8Array
  readonly width: number
  readonly height: number
}

const GAP = 4
const PAPER = [40, 40, 44] as const
const EMPTY = [24, 24, 24] as const

/** `rows` of up to `columns` tiles, every tile drawn in a `tile`×`tile` box (scaled to fit). */
export function contactSheet(rows: readonly (readonly (SheetTile | null)[])[], columns: number, tile: number): Sheet {
  const width = GAP + columns * (tile + GAP)
  const height = GAP + rows.length * (tile + GAP)
  const rgb = new Uint8Array(width * height * 3)
  for (let p = 0; p < width * height; p++) rgb.set(PAPER, p * 3)
  rows.forEach((row, r) => {
    for (let c = 0; c < columns; c++) {
      const x0 = GAP + c * (tile + GAP)
      const y0 = GAP + r * (tile + GAP)
      const t = row[c] ?? null
      for (let y = 0; y < tile; y++)
        for (let x = 0; x < tile; x++) {
          const o = ((y0 + y) * width + x0 + x) * 3
          if (!t) {
            rgb.set(EMPTY, o)
            continue
          }
          // Nearest-neighbour sample of the tile scaled to the box (aspect not kept: previews only).
          const sx = Math.min(t.width - 1, Math.floor((x * t.width) / tile))
          const sy = Math.min(t.height - 1, Math.floor((y * t.height) / tile))
          const s = (sy * t.width + sx) * 3
          rgb[o] = t.rgb[s]!
          rgb[o + 1] = t.rgb[s + 1]!
          rgb[o + 2] = t.rgb[s + 2]!
        }
    }
  })
  return { rgb, width, height }
}

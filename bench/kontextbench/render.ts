/**
 * The renderer: a scene → interleaved RGB bytes at 64×64 (or 128×128, every length doubled).
 * Hard-edged masks with pixel centres at (x+0.5, y+0.5) relative to the cell centre, in the
 * same floating-point operation order as training/kontextbench/render.py (byte-identical).
 */
import { BACKGROUNDS, GRID, OBJECT_COLOURS, RADIUS, SHAPES, SIZES, type Scene, type Shape, type Size } from './domain'

export type ImageSize = 64 | 128

/** Is the pixel at offset (dx, dy) from the cell centre inside the shape of radius r? */
export function inShape(shape: Shape, dx: number, dy: number, r: number): boolean {
  const d2 = dx * dx + dy * dy
  switch (shape) {
    case 'circle':
      return d2 <= r * r
    case 'square':
      return Math.abs(dx) <= 0.8 * r && Math.abs(dy) <= 0.8 * r
    case 'triangle':
      return -r <= dy && dy <= 0.8 * r && Math.abs(dx) <= ((dy + r) / (1.8 * r)) * r
    case 'ring': {
      const inner = 0.55 * r
      return inner * inner <= d2 && d2 <= r * r
    }
  }
}

const maskCache = new Map<string, Uint8Array>()

/** The cell-sized mask (1 = object) of a shape and size at an image size; cached. */
export function shapeMask(shape: Shape, size: Size, imageSize: ImageSize): Uint8Array {
  const key = `${shape}/${size}/${imageSize}`
  const hit = maskCache.get(key)
  if (hit) return hit
  const scale = imageSize / 64
  const cell = 16 * scale
  const centre = 8 * scale
  const r = RADIUS[size] * scale
  const mask = new Uint8Array(cell * cell)
  for (let y = 0; y < cell; y++)
    for (let x = 0; x < cell; x++) mask[y * cell + x] = inShape(shape, x + 0.5 - centre, y + 0.5 - centre, r) ? 1 : 0
  maskCache.set(key, mask)
  return mask
}

export function renderScene(scene: Scene, imageSize: ImageSize = 64): Uint8Array {
  const out = new Uint8Array(imageSize * imageSize * 3)
  const bg = BACKGROUNDS[scene.bg]
  for (let p = 0; p < imageSize * imageSize; p++) out.set(bg, p * 3)
  const cell = imageSize / GRID
  scene.cells.forEach((obj, i) => {
    if (!obj) return
    const mask = shapeMask(obj.shape, obj.size, imageSize)
    const colour = OBJECT_COLOURS[obj.colour]
    const [x0, y0] = [(i % GRID) * cell, Math.floor(i / GRID) * cell]
    for (let y = 0; y < cell; y++)
      for (let x = 0; x < cell; x++) if (mask[y * cell + x]) out.set(colour, ((y0 + y) * imageSize + x0 + x) * 3)
  })
  return out
}

/** Every (shape, size) in a fixed order — the classifier's candidate masks. */
export const SHAPE_SIZES: readonly (readonly [Shape, Size])[] = SHAPES.flatMap((s) => SIZES.map((z) => [s, z] as const))

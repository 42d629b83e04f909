import { describe, expect, it } from 'vitest'
import { blendRegion, cropAroundRegion, featherWeights, maskBounds } from '../../../../engine/math/region'

function disc(width: number, height: number, cx: number, cy: number, r: number): Uint8Array {
  const mask = new Uint8Array(width * height)
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) mask[y * width + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 255 : 0
  return mask
}

describe('region edits', () => {
  it('find the painted bounds, and nothing for an empty mask', () => {
    expect(maskBounds(disc(100, 80, 30, 40, 10), 100, 80)).toEqual({ x: 20, y: 30, width: 21, height: 21 })
    expect(maskBounds(new Uint8Array(100), 10, 10)).toBeNull()
  })

  it('crop around the region with margin, inside the image even at its edge', () => {
    const crop = cropAroundRegion({ x: 90, y: 0, width: 10, height: 10 }, 100, 80, 0.5, 32)
    expect(crop.x + crop.width).toBeLessThanOrEqual(100)
    expect(crop.y).toBeGreaterThanOrEqual(0)
    expect(crop.width).toBe(32)
    const wide = cropAroundRegion({ x: 20, y: 20, width: 40, height: 20 }, 100, 80, 0.5, 16)
    expect(wide).toEqual({ x: 0, y: 10, width: 80, height: 40 })
  })

  it('feather only inside the mask: zero outside, one deep inside, soft at the edge', () => {
    const mask = disc(64, 64, 32, 32, 20)
    const w = featherWeights(mask, 64, 64, 4)
    for (let i = 0; i < mask.length; i++) if (!mask[i]) expect(w[i]).toBe(0)
    expect(w[32 * 64 + 32]).toBe(1)
    const edge = w[32 * 64 + 13] as number
    expect(edge).toBeGreaterThan(0)
    expect(edge).toBeLessThan(1)
  })

  it('keep every pixel outside the region byte-identical to the parent', () => {
    const width = 48
    const height = 40
    const parent = new Uint8Array(width * height * 4).map((_, i) => (i * 31) % 251)
    const mask = disc(width, height, 20, 18, 9)
    const crop = cropAroundRegion(maskBounds(mask, width, height) as NonNullable<ReturnType<typeof maskBounds>>, width, height, 0.5, 16)
    const edit = new Uint8Array(crop.width * crop.height * 4).fill(200)
    const out = blendRegion(parent, width, edit, crop, featherWeights(mask, width, height, 3))
    let changedInside = 0
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 4; c++) {
        if (!mask[p]) expect(out[p * 4 + c]).toBe(parent[p * 4 + c])
        else if (out[p * 4 + c] !== parent[p * 4 + c]) changedInside++
      }
    }
    expect(changedInside).toBeGreaterThan(0)
    expect(out).toHaveLength(parent.length)
  })
})

describe('a region pasted into a cut-out', () => {
  it('becomes opaque where the edit is at full strength, and keeps the alpha outside the mask', () => {
    const width = 8
    const height = 8
    const parent = new Uint8Array(width * height * 4) // all transparent black
    const mask = new Uint8Array(width * height).fill(255)
    for (let x = 0; x < width; x++) mask[x] = 0 // the top row stays as it was
    const crop = { x: 0, y: 0, width, height }
    const edit = new Uint8Array(width * height * 4).fill(255)
    const out = blendRegion(parent, width, edit, crop, featherWeights(mask, width, height, 1))
    expect(out[3]).toBe(0)
    expect(out[(4 * width + 4) * 4 + 3]).toBe(255)
    expect(out[(4 * width + 4) * 4]).toBe(255)
  })
})

/** The batch's region presets as masks: centre and edges are geometry, background is the photo's transparency. */
import { describe, expect, it } from 'vitest'
import { alphaMask, centreMask, centreRect, edgesMask, presetMask } from '../../../../engine/math/regionPresets'
import { maskBounds } from '../../../../engine/math/region'

const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0)

describe('region preset masks', () => {
  it('centre is the middle 60% of each side, centred', () => {
    expect(centreRect(100, 50)).toEqual({ x: 20, y: 10, width: 60, height: 30 })
    const mask = centreMask(100, 50)
    expect(maskBounds(mask, 100, 50)).toEqual({ x: 20, y: 10, width: 60, height: 30 })
    expect(count(mask)).toBe(60 * 30)
    // A tiny image still gets a region (never an empty mask the engine would refuse).
    expect(count(centreMask(1, 1))).toBe(1)
  })

  it('edges is a border 15% of the shorter side, the centre kept', () => {
    const mask = edgesMask(40, 20)
    const band = 3
    expect(count(mask)).toBe(40 * 20 - (40 - 2 * band) * (20 - 2 * band))
    expect(mask[0]).toBe(255)
    expect(mask[10 * 40 + 20]).toBe(0)
    expect(mask[10 * 40 + band - 1]).toBe(255)
    expect(mask[10 * 40 + band]).toBe(0)
  })

  it('background is the pixels with alpha below half, whatever their colour', () => {
    // 3×1 RGBA: transparent white, half-transparent (kept: a cut-out's soft edge), opaque black.
    const rgba = new Uint8Array([255, 255, 255, 0, 10, 20, 30, 128, 0, 0, 0, 255])
    expect([...alphaMask(rgba, 3, 1)]).toEqual([255, 0, 0])
    expect([...alphaMask(new Uint8Array([0, 0, 0, 127]), 1, 1)]).toEqual([255])
    expect(count(presetMask('background', new Uint8Array(16).fill(255), 2, 2))).toBe(0)
  })
})

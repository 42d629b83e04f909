/**
 * The output size menu: the default entry names the bucket the engine will really use for the
 * context (the same choice as engine/math/resolution.ts, checked on random sizes), the menu lists
 * exactly the model's resolutions, nearest the context's shape first.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { nearestResolution, sizeMenu, type Size } from '../../../core/domain/sizeMenu'
import { chooseResolution } from '../../../engine/math/resolution'
import fluxManifest from '../../../engine/manifests/flux1-kontext-dev.json'

const FLUX = fluxManifest.resolutions as unknown as Size[]

describe('sizeMenu', () => {
  it('a 3:2 photo: the default is 1248 × 832 and the shapes nearest 3:2 come first', () => {
    const m = sizeMenu(FLUX, { width: 6000, height: 4000 })
    expect(m.auto).toEqual({ label: 'Size: as the context (1248 × 832)', size: [1248, 832] })
    expect(m.options[0]).toMatchObject({ value: '1248x832', label: '1248 × 832 (keeps the context’s shape)' })
    expect(m.options.map((o) => [o.width, o.height]).sort()).toEqual([...FLUX].map((r) => [...r]).sort())
    const last = m.options[m.options.length - 1]!
    expect(last.height).toBeGreaterThan(last.width) // the tallest portrait is furthest from 3:2
  })

  it('a portrait phone picture keeps a portrait default', () => {
    const m = sizeMenu(FLUX, { width: 3024, height: 4032 })
    const [w, h] = m.auto.size!
    expect(h).toBeGreaterThan(w)
    expect(m.options[0]!.value).toBe(`${w}x${h}`)
  })

  it('without a context the engine goes square, and says so', () => {
    expect(sizeMenu(FLUX, null).auto.label).toBe('Size: nearest square (1024 × 1024)')
    expect(sizeMenu([[64, 64]], null).options).toEqual([{ value: '64x64', width: 64, height: 64, label: '64 × 64 square' }])
    expect(sizeMenu([], { width: 10, height: 10 }).auto).toEqual({ label: 'Size: as the context', size: null })
  })

  it('names the same bucket the engine chooses, for any context size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (w, h) => {
        expect(nearestResolution(w, h, FLUX)).toEqual(chooseResolution(w, h, FLUX))
        expect(sizeMenu(FLUX, { width: w, height: h }).options[0]!.value).toBe(chooseResolution(w, h, FLUX).join('x'))
      }),
    )
  })
})

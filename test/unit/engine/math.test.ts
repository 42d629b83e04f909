/** Pure Kontext math: packing, ids, resolution buckets, Euler, normalisation, previews. */
import { describe, expect, it } from 'vitest'
import { combineGuidance, eulerStep } from '../../../engine/math/euler'
import { planesToRgb, rgbToPlanes } from '../../../engine/math/imagePlanes'
import { denormaliseLatent, normaliseLatent } from '../../../engine/math/normalise'
import { packLatent, unpackTokens } from '../../../engine/math/packing'
import { concatIds, contextIndex, imageIds, textIds } from '../../../engine/math/positionIds'
import { latentToRgb } from '../../../engine/math/preview'
import { chooseResolution } from '../../../engine/math/resolution'
import flux from '../../../engine/manifests/flux1-kontext-dev.json'

const FLUX_RES = flux.resolutions as [number, number][]

describe('2×2 packing', () => {
  it('puts channel·4 + dy·2 + dx in a token and tokens in row-major patch order', () => {
    // 2 channels, 4×4: value = c·100 + y·10 + x
    const data = Float32Array.from({ length: 2 * 16 }, (_, i) => Math.floor(i / 16) * 100 + Math.floor((i % 16) / 4) * 10 + (i % 4))
    const t = packLatent({ data, channels: 2, height: 4, width: 4 })
    expect([t.count, t.features]).toEqual([4, 8])
    expect(Array.from(t.data.subarray(0, 8))).toEqual([0, 1, 10, 11, 100, 101, 110, 111])
    expect(Array.from(t.data.subarray(8, 16))).toEqual([2, 3, 12, 13, 102, 103, 112, 113]) // token 1 = row 0, col 1
    expect(Array.from(t.data.subarray(16, 20))).toEqual([20, 21, 30, 31]) // token 2 = row 1, col 0
  })

  it('round-trips a non-square latent exactly', () => {
    const data = Float32Array.from({ length: 16 * 6 * 10 }, (_, i) => Math.sin(i))
    const back = unpackTokens(packLatent({ data, channels: 16, height: 6, width: 10 }), 16, 6, 10)
    expect(back.data).toEqual(data)
  })

  it('refuses sizes that are not whole patches', () => {
    expect(() => packLatent({ data: new Float32Array(3 * 3), channels: 1, height: 3, width: 3 })).toThrow(/patch/)
  })
})

describe('position ids', () => {
  it('gives text zeros, the target [0,r,c] and the i-th context [i,r,c]', () => {
    expect(Array.from(textIds(2))).toEqual([0, 0, 0, 0, 0, 0])
    expect(Array.from(imageIds(2, 3, 0))).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 2, 0, 1, 0, 0, 1, 1, 0, 1, 2])
    const second = imageIds(1, 2, contextIndex(2, 1))
    expect(Array.from(second)).toEqual([2, 0, 0, 2, 0, 1])
    expect(Array.from(concatIds([imageIds(1, 1, 0), imageIds(1, 1, 1)]))).toEqual([0, 0, 0, 1, 0, 0])
  })
})

describe('preferred resolution by aspect ratio', () => {
  it('keeps an exact match and picks the square bucket for a square image', () => {
    expect(chooseResolution(1248, 832, FLUX_RES)).toEqual([1248, 832])
    expect(chooseResolution(500, 500, FLUX_RES)).toEqual([1024, 1024])
  })
  it('picks the nearest aspect (16:9 photo → 1392×752)', () => {
    expect(chooseResolution(1920, 1080, FLUX_RES)).toEqual([1392, 752])
  })
  it('clamps extreme aspect ratios to the widest and tallest buckets', () => {
    expect(chooseResolution(10000, 10, FLUX_RES)).toEqual([1568, 672])
    expect(chooseResolution(10, 10000, FLUX_RES)).toEqual([672, 1568])
    expect(chooseResolution(1, 16384, [[64, 64]])).toEqual([64, 64])
  })
  it('breaks ties toward the smaller width, as Python min over (diff, w, h) does', () => {
    expect(
      chooseResolution(2, 1, [
        [96, 32],
        [32, 32],
      ]),
    ).toEqual([32, 32]) // |2−3| = |2−1|
  })
  it('rejects empty sizes', () => {
    expect(() => chooseResolution(0, 10, FLUX_RES)).toThrow()
  })
})

describe('Euler step and guidance', () => {
  it('moves x by (t′ − t)·v and ignores the context part of v', () => {
    const x = Float32Array.from([1, 2])
    const v = Float32Array.from([10, -10, 99, 99])
    expect(Array.from(eulerStep(x, v, 1, 0.75))).toEqual([1 - 2.5, 2 + 2.5])
  })
  it('lands on x − v·t at t′ = 0 (the straight-line flow)', () => {
    expect(Array.from(eulerStep(Float32Array.from([0.5]), Float32Array.from([0.25]), 0.5, 0))).toEqual([0.375])
  })
  it('combines CFG as uncond + s·(cond − uncond), the identity at s = 1', () => {
    const cond = Float32Array.from([1, 2])
    const uncond = Float32Array.from([0, 4])
    expect(Array.from(combineGuidance(cond, uncond, 1))).toEqual([1, 2])
    expect(Array.from(combineGuidance(cond, uncond, 3))).toEqual([3, -2])
  })
})

describe('latent normalisation and pixels', () => {
  it('normalises with FLUX scale/shift and back', () => {
    const z = Float32Array.from([0.1159, 1])
    const n = normaliseLatent(z, 0.3611, 0.1159)
    expect(n[0]).toBeCloseTo(0, 7)
    expect(n[1]).toBeCloseTo(0.3611 * (1 - 0.1159), 6)
    expect(denormaliseLatent(n, 0.3611, 0.1159)[1]).toBeCloseTo(1, 6)
  })
  it('maps u8 ↔ [-1,1] planes losslessly and clamps out-of-range floats', () => {
    const rgb = Uint8Array.from([0, 128, 255, 10, 20, 30])
    const planes = rgbToPlanes(rgb, 2, 1)
    expect(planes.data[0]).toBe(-1)
    expect(planes.data[1]).toBeCloseTo(10 / 127.5 - 1, 6) // R of pixel 1 sits right after R of pixel 0 (CHW)
    expect(planes.data[4]).toBe(1) // B plane starts at 2·(1×2)
    expect(planesToRgb(planes)).toEqual(rgb)
    expect(Array.from(planesToRgb({ data: Float32Array.from([-3, 3, 0]), channels: 3, height: 1, width: 1 }))).toEqual([0, 255, 128])
  })
  it('previews a latent through the linear factors', () => {
    const weights = [
      [1, 0, 0],
      [0, 1, 0],
    ]
    const rgb = latentToRgb({ data: Float32Array.from([1, -1]), channels: 2, height: 1, width: 1 }, { weights, bias: [0, 0, 0] })
    expect(Array.from(rgb)).toEqual([255, 0, 128])
  })
})

describe('the clean picture a step predicts', () => {
  it('is x − t·v: from x_t = (1 − t)·x0 + t·ε with v = ε − x0 it recovers x0 exactly', async () => {
    const { predictedClean } = await import('../../../engine/pipeline/kontextPipeline')
    const x0 = Float32Array.from([0.5, -1, 2])
    const eps = Float32Array.from([1, 0.25, -0.5])
    const t = 0.3
    const xt = x0.map((v, i) => (1 - t) * v + t * (eps[i] as number))
    const v = eps.map((e, i) => e - (x0[i] as number))
    const back = predictedClean(xt, v, t)
    back.forEach((b, i) => expect(b).toBeCloseTo(x0[i] as number, 6))
  })
})

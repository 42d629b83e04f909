import { describe, expect, it } from 'vitest'
import { maskedDrift } from '../../../engine/image/drift'

const W = 48
const H = 40
function pattern(seed: number): Uint8Array {
  const data = new Uint8Array(W * H * 4)
  for (let i = 0; i < W * H; i++) {
    const v = ((i % W) * 5 + Math.floor(i / W) * 3 * seed) % 256
    data.set([v, (v * 2) % 256, 255 - v, 255], i * 4)
  }
  return data
}

describe('the drift meter', () => {
  it('reads 0 for an unchanged image and grows with the change', () => {
    const a = { data: pattern(1), width: W, height: H }
    expect(maskedDrift(a, a, null)).toBeCloseTo(0, 6)
    const slightly = { ...a, data: a.data.map((v, i) => (i % 4 === 3 ? v : Math.min(255, v + ((i * 13) % 7)))) }
    const very = { data: pattern(7), width: W, height: H }
    const small = maskedDrift(a, slightly, null)
    expect(small).toBeGreaterThan(0)
    expect(maskedDrift(a, very, null)).toBeGreaterThan(small)
  })

  it('ignores what changed inside the edited region', () => {
    const a = { data: pattern(1), width: W, height: H }
    const b = { ...a, data: new Uint8Array(a.data) }
    const mask = new Uint8Array(W * H)
    for (let y = 10; y < 30; y++)
      for (let x = 10; x < 30; x++) {
        mask[y * W + x] = 255
        b.data.set([0, 0, 0, 255], (y * W + x) * 4)
      }
    expect(maskedDrift(a, b, null)).toBeGreaterThan(0.05)
    expect(maskedDrift(a, b, mask)).toBeCloseTo(0, 6)
    // A change outside the region still counts.
    b.data.set([0, 0, 0, 255], (35 * W + 40) * 4)
    expect(maskedDrift(a, b, mask)).toBeGreaterThan(0)
  })
})

/**
 * The split's rule as bench/kontextbench/README.md writes it: the canonical key's exact form, the
 * bucket from SHA-256, and a benchmark drawn only from bucket 0 — every kind, 1–4 objects, chains.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  canonicalKey,
  caseBucket,
  emptyScene,
  HELD_OUT,
  heldOutCases,
  heldOutChains,
  isHeldOut,
  KINDS,
  benchCases,
  mulberry32,
  type Scene,
} from '../../../bench/kontextbench'

const scene: Scene = {
  bg: 'navy',
  cells: emptyScene('navy').cells.map((_, i) => (i === 2 ? { colour: 'red', shape: 'circle', size: 'large' } : null)),
}
const count = (s: Scene | null) => (s === null ? 0 : s.cells.filter((o) => o !== null).length)

describe('the KontextBench-mini split', () => {
  it('writes the key exactly as the README says', () => {
    expect(canonicalKey({ prompt: 'remove the red circle', context: scene })).toBe(
      'kbm-split-v1|edit|navy|-;-;red.circle.large;-;-;-;-;-;-;-;-;-;-;-;-;-|remove the red circle',
    )
    expect(canonicalKey({ prompt: ' A small RED ring\ton navy at row one col one ', context: null })).toBe(
      'kbm-split-v1|t2i|a small red ring on navy at row one col one',
    )
  })

  it('takes the bucket from the first four bytes of SHA-256, big-endian, mod 16', () => {
    const c = { prompt: 'remove the red circle', context: scene }
    const digest = createHash('sha256').update(canonicalKey(c)).digest()
    expect(caseBucket(c)).toBe((digest[0]! * 2 ** 24 + digest[1]! * 2 ** 16 + digest[2]! * 2 ** 8 + digest[3]!) % 16)
    // The README's worked example (sha256sum of the key starts ed73fe2d): bucket 0xd.
    expect(digest.subarray(0, 4).toString('hex')).toBe('ed73fe2d')
    expect(caseBucket(c)).toBe(13)
  })

  it('spreads cases evenly: bucket 0 holds about 1/16 of them', () => {
    const cases = benchCases(mulberry32(3), 4096)
    const share = cases.filter(isHeldOut).length / cases.length
    expect(share).toBeGreaterThan(0.045)
    expect(share).toBeLessThan(0.08)
  })

  it('draws every benchmark case from bucket 0, every kind and 1–4 objects', () => {
    const cases = heldOutCases(HELD_OUT.cases)
    expect(cases.every(isHeldOut)).toBe(true)
    expect(new Set(cases.map((c) => c.kind))).toEqual(new Set(KINDS))
    for (const n of [1, 2, 3, 4]) expect(cases.filter((c) => count(c.context) === n).length, `${n} objects`).toBeGreaterThan(40)
  })

  it('draws chains whose every step is a bucket-0 case, from 1–4-object scenes', () => {
    const chains = heldOutChains(HELD_OUT.chains, HELD_OUT.turns)
    for (const ch of chains) {
      expect(ch.turns).toHaveLength(HELD_OUT.turns)
      ch.turns.forEach((t, i) => expect(isHeldOut({ prompt: t.prompt, context: i === 0 ? ch.start : ch.turns[i - 1]!.target })).toBe(true))
    }
    expect(new Set(chains.map((ch) => count(ch.start)))).toEqual(new Set([1, 2, 3, 4]))
  })
})

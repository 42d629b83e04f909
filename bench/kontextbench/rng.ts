/**
 * mulberry32 — a tiny seeded generator that Python reproduces bit for bit
 * (training/kontextbench/rng.py), so both sides draw the same held-out cases from a seed.
 */
export interface Rng {
  /** A uniform integer in [0, n). */
  int(n: number): number
}

export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return (t ^ (t >>> 14)) >>> 0
  }
  return {
    // u32·n < 2^53 is exact in a double, and dividing by 2^32 is exact: Python's (u·n) >> 32 agrees.
    int: (n) => Math.floor((next() * n) / 4294967296),
  }
}

export const pick = <T>(rng: Rng, items: readonly T[]): T => {
  if (items.length === 0) throw new RangeError('pick from an empty list')
  return items[rng.int(items.length)]!
}

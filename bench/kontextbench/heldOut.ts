/** The fixed held-out set, from heldout.json (shared with training/, which excludes it). */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchCase } from './domain'
import { benchCases, makeChain, type Chain } from './generate'
import { mulberry32 } from './rng'

export interface HeldOutSpec {
  readonly seed: number
  readonly cases: number
  readonly chainSeed: number
  readonly chains: number
  readonly turns: number
}

export const HELD_OUT: HeldOutSpec = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'heldout.json'), 'utf8'),
) as HeldOutSpec

/** The first `n` held-out cases (any n ≤ spec.cases is a prefix of the full set). */
export const heldOutCases = (n = HELD_OUT.cases): BenchCase[] => benchCases(mulberry32(HELD_OUT.seed), n)

export const heldOutChains = (n = HELD_OUT.chains, turns = HELD_OUT.turns): Chain[] => {
  const rng = mulberry32(HELD_OUT.chainSeed)
  return Array.from({ length: n }, () => makeChain(rng, turns))
}

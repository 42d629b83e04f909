/** The benchmark set, from heldout.json: seeded draws from split bucket 0 (split.ts), which training/ never sees. */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchCase } from './domain'
import type { Chain } from './generate'
import { mulberry32 } from './rng'
import { SPLIT_BUCKETS, SPLIT_RULE, HELD_OUT_BUCKET } from './split'
import { unseenCases, unseenChain } from './unseen'

export interface HeldOutSpec {
  readonly split: { readonly rule: string; readonly buckets: number; readonly heldOutBucket: number }
  readonly seed: number
  readonly cases: number
  readonly chainSeed: number
  readonly chains: number
  readonly turns: number
}

export const HELD_OUT: HeldOutSpec = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'heldout.json'), 'utf8'),
) as HeldOutSpec
if (HELD_OUT.split.rule !== SPLIT_RULE || HELD_OUT.split.buckets !== SPLIT_BUCKETS || HELD_OUT.split.heldOutBucket !== HELD_OUT_BUCKET)
  throw new Error(
    `heldout.json names split ${JSON.stringify(HELD_OUT.split)}, but split.ts implements ${SPLIT_RULE} (bucket ${HELD_OUT_BUCKET} of ${SPLIT_BUCKETS})`,
  )

/** The first `n` benchmark cases (any n ≤ spec.cases is a prefix of the full set), all from bucket 0. */
export const heldOutCases = (n = HELD_OUT.cases): BenchCase[] => unseenCases(mulberry32(HELD_OUT.seed), n)

export const heldOutChains = (n = HELD_OUT.chains, turns = HELD_OUT.turns): Chain[] => {
  const rng = mulberry32(HELD_OUT.chainSeed)
  return Array.from({ length: n }, () => unseenChain(rng, turns))
}

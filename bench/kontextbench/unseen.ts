/**
 * Benchmark draws from bucket 0 only (split.ts): a case is drawn as generate.ts draws it and
 * redrawn until its key falls in bucket 0; a chain redraws each turn's edit until that step
 * (the true scene before it + its instruction) is in bucket 0. Mirrored line by line in
 * training/kontextbench/unseen.py, so a seed names the same unseen cases in both languages.
 */
import { KINDS, LOCAL_KINDS, MAX_OBJECTS, type BenchCase, type Kind } from './domain'
import { makeCase, randomScene, tryEdit, type Chain, type ChainTurn } from './generate'
import { pick, type Rng } from './rng'
import { isHeldOut } from './split'

/** Draws of one turn before a chain gives up on its start scene and starts over (rare: ~1/16 of draws pass). */
export const CHAIN_TURN_ATTEMPTS = 256

export function unseenCase(rng: Rng, kind: Kind): BenchCase {
  for (;;) {
    const c = makeCase(rng, kind)
    if (isHeldOut(c)) return c
  }
}

/** Kinds in turn (i mod 7), every case from bucket 0; any prefix of the list is the list for a smaller n. */
export function unseenCases(rng: Rng, n: number): BenchCase[] {
  return Array.from({ length: n }, (_, i) => unseenCase(rng, KINDS[i % KINDS.length]!))
}

/** A chain of local edits on a scene of 1–4 objects whose every step is a bucket-0 case. */
export function unseenChain(rng: Rng, turns: number): Chain {
  for (;;) {
    const start = randomScene(rng, 1, MAX_OBJECTS)
    const out: ChainTurn[] = []
    let scene = start
    let attempts = 0
    while (out.length < turns && attempts < CHAIN_TURN_ATTEMPTS) {
      attempts++
      const kind = pick(rng, LOCAL_KINDS)
      if (kind !== 'add' && scene.cells.every((o) => o === null)) continue
      const edit = tryEdit(rng, kind, scene)
      if (!edit || !isHeldOut({ prompt: edit.prompt, context: scene })) continue
      out.push({ kind, prompt: edit.prompt, target: edit.target })
      scene = edit.target
      attempts = 0
    }
    if (out.length === turns) return { start, turns: out }
  }
}

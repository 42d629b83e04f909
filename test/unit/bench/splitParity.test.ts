/**
 * The train/benchmark split agrees byte for byte between training/ (Python) and bench/ (TypeScript):
 * the same canonical key and bucket for every case, the same bucket-0 benchmark draws from a seed,
 * and — checked here with TypeScript's own hash — no sample the training sampler draws (cases,
 * text-to-image prompts, chain steps, four-object scenes included) is a bucket-0 case.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  benchCases,
  canonicalKey,
  caseBucket,
  HELD_OUT,
  heldOutCases,
  heldOutChains,
  isHeldOut,
  makeChain,
  mulberry32,
  unseenCases,
  unseenChain,
  type BenchCase,
  type Chain,
  type Scene,
} from '../../../bench/kontextbench'
import { repoRoot } from '../../fixtures/engine/paths'
import { findPython } from './findPython'

const found = findPython(['numpy'])
if (!found.python) console.log(`split parity Python↔TypeScript not run: ${found.why} (install python3-numpy)`)

type KeyCase = Pick<BenchCase, 'prompt' | 'context'>

/** Generated cases and chain steps, plus prompts that only a careful canonical form gets right. */
function keyCases(): KeyCase[] {
  const rng = mulberry32(7)
  const cases: KeyCase[] = benchCases(rng, 350)
  const steps = Array.from({ length: 10 }, () => makeChain(rng, 6)).flatMap((ch) =>
    ch.turns.map((t, i) => ({ prompt: t.prompt, context: i === 0 ? ch.start : ch.turns[i - 1]!.target })),
  )
  const scene = cases[0]!.context
  const odd = [
    '  Make The RED circle   blue ',
    'remove\tthe\nred\r\fcircle\v',
    '',
    'make the Äpfel ÉCLAIR ß',
    'a LARGE red ring on navy at row one col one',
  ]
  return [
    ...cases,
    ...steps,
    ...odd.flatMap((prompt) => [
      { prompt, context: null },
      { prompt, context: scene },
    ]),
  ]
}

const stepsOf = (chain: Chain): KeyCase[] =>
  chain.turns.map((t, i) => ({ prompt: t.prompt, context: i === 0 ? chain.start : chain.turns[i - 1]!.target }))
const objects = (s: Scene | null) => (s === null ? 0 : s.cells.filter((o) => o !== null).length)

describe.runIf(found.python)('the split between training/kontextbench (Python) and bench/kontextbench (TypeScript)', () => {
  const cases = keyCases()
  const request = {
    scenes: [],
    sizes: [],
    seed: 1,
    cases: 0,
    chains: 0,
    turns: 6,
    keyCases: cases,
    unseen: { seed: HELD_OUT.seed, cases: 120, chainSeed: HELD_OUT.chainSeed, chains: 12, turns: HELD_OUT.turns },
    training: { seed: 11, n: 1600, kindWeights: 'move=2,remove=1.5,recolour=1.5', objectWeights: '4=2', chainTurns: 6 },
  }
  const r = spawnSync(found.python!, [join(repoRoot, 'training', 'kontextbench', 'parity.py')], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (r.status !== 0) throw new Error(`parity.py failed: ${r.stderr}`)
  const reply = JSON.parse(r.stdout) as {
    keys: [string, number][]
    unseen: { cases: BenchCase[]; chains: Chain[] }
    training: { cases: BenchCase[]; chainSteps: BenchCase[]; drawn: number; rejectedHeldOut: number }
  }

  it('computes the same canonical key and bucket for every case', () => {
    expect(reply.keys).toEqual(cases.map((c) => [canonicalKey(c), caseBucket(c)]))
    // The list reaches every bucket, bucket 0 included, so agreement is not vacuous.
    expect(new Set(reply.keys.map(([, b]) => b)).size).toBe(16)
  })

  it('draws the same bucket-0 benchmark cases and chains from the benchmark seeds', () => {
    expect(reply.unseen.cases).toEqual(heldOutCases(request.unseen.cases))
    expect(reply.unseen.chains).toEqual(heldOutChains(request.unseen.chains, request.unseen.turns))
    const rng = mulberry32(request.unseen.chainSeed)
    expect(reply.unseen.chains).toEqual(Array.from({ length: request.unseen.chains }, () => unseenChain(rng, request.unseen.turns)))
    expect(reply.unseen.cases).toEqual(unseenCases(mulberry32(request.unseen.seed), request.unseen.cases))
  })

  it('never lets the training sampler draw a bucket-0 case, chain step or text-to-image prompt', () => {
    const { cases: drawn, chainSteps, rejectedHeldOut } = reply.training
    expect(drawn).toHaveLength(request.training.n)
    expect(drawn.filter(isHeldOut)).toEqual([])
    expect(chainSteps.length).toBeGreaterThan(request.training.n / 8)
    expect(chainSteps.filter(isHeldOut)).toEqual([])
    // It did meet bucket-0 draws (about 1 in 16) and refused them, four-object scenes and t2i included.
    expect(rejectedHeldOut).toBeGreaterThan(request.training.n / 40)
    expect(drawn.some((c) => c.kind === 't2i')).toBe(true)
  })

  it('weights the weak kinds up and four-object scenes within each kind, as the recipe asks', () => {
    const { cases: drawn } = reply.training
    const share = (f: (c: BenchCase) => boolean, of: readonly BenchCase[] = drawn) => of.filter(f).length / of.length
    // move=2, remove=recolour=1.5, four others 1: move 2/9 ≈ 22%, remove and recolour 1.5/9 ≈ 17%, add 1/9 ≈ 11%.
    expect(share((c) => c.kind === 'move')).toBeGreaterThan(0.18)
    expect(share((c) => c.kind === 'remove')).toBeGreaterThan(0.13)
    expect(share((c) => c.kind === 'add')).toBeLessThan(0.14)
    // Kinds on 1–4 objects: weight 2 for four makes them 2/5 of those scenes instead of 1/4.
    const oneToFour = drawn.filter((c) => ['recolour', 'move', 'remove', 'reference'].includes(c.kind))
    expect(share((c) => objects(c.context) === 4, oneToFour)).toBeGreaterThan(0.33)
  })

  it('every step of every benchmark chain is a bucket-0 case', () => {
    expect(reply.unseen.chains.flatMap(stepsOf).every(isHeldOut)).toBe(true)
  })
})

/**
 * Python ↔ TypeScript parity of KontextBench-mini: the same scenes render to byte-identical
 * images at 64 and 128 px, and the same seed generates the same cases, chains and vocabulary.
 * Training (Python) and the benchmark (TypeScript) therefore agree on the domain exactly.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  benchCases,
  classifyImage,
  makeChain,
  mulberry32,
  randomScene,
  renderScene,
  vocabulary,
  type Scene,
} from '../../../bench/kontextbench'
import { repoRoot } from '../../fixtures/engine/paths'
import { findPython } from './findPython'

const found = findPython(['numpy'])
if (!found.python) console.log(`parity Python↔TypeScript not run: ${found.why} (install python3-numpy)`)

/** Edge cases first (empty, full-size shapes at corners, all four objects), then random scenes. */
function sceneList(): Scene[] {
  const corner: Scene = {
    bg: 'white',
    cells: [
      { colour: 'red', shape: 'triangle', size: 'large' },
      null,
      null,
      { colour: 'cyan', shape: 'ring', size: 'small' },
      ...new Array<null>(11).fill(null),
      { colour: 'blue', shape: 'square', size: 'large' },
    ],
  }
  const rng = mulberry32(99)
  return [{ bg: 'black', cells: new Array<null>(16).fill(null) }, corner, ...Array.from({ length: 60 }, () => randomScene(rng, 0, 4))]
}

describe.runIf(found.python)('KontextBench-mini parity between training/kontextbench (Python) and bench/kontextbench (TypeScript)', () => {
  const scenes = sceneList()
  // Imperfect images (what a model outputs): renders with deterministic noise and a blend of two
  // scenes, so both classifiers must agree on hard calls too, not only on clean renders.
  const rough = scenes.slice(0, 40).map((s, i) => {
    const a = renderScene(s)
    const b = renderScene(scenes[(i + 7) % scenes.length]!)
    return a.map((v, k) => Math.max(0, Math.min(255, Math.round(0.7 * v + 0.3 * b[k]!) + ((k * 2654435761 + i) % 61) - 30)))
  })
  const request = {
    scenes,
    sizes: [64, 128],
    seed: 20261125,
    cases: 70,
    chains: 8,
    turns: 6,
    classify: rough.map((r) => Buffer.from(r).toString('base64')),
  }
  const run = () => {
    const r = spawnSync(found.python!, [join(repoRoot, 'training', 'kontextbench', 'parity.py')], {
      input: JSON.stringify(request),
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    })
    if (r.status !== 0) throw new Error(`parity.py failed: ${r.stderr}`)
    return JSON.parse(r.stdout) as {
      images: Record<string, string[]>
      cases: unknown
      chains: unknown
      vocab: unknown
      classified: unknown
    }
  }
  const reply = run()

  it.each([64, 128] as const)('renders every scene byte-identically at %i px', (size) => {
    const theirs = reply.images[String(size)]!
    expect(theirs).toHaveLength(scenes.length)
    scenes.forEach((scene, i) => {
      const ours = renderScene(scene, size)
      const py = new Uint8Array(Buffer.from(theirs[i]!, 'base64'))
      const firstDiff = ours.findIndex((v, k) => v !== py[k])
      expect({ scene: i, length: py.length, firstDiff }).toEqual({ scene: i, length: ours.length, firstDiff: -1 })
    })
  })

  it('classifies imperfect images the same in both languages', () => {
    expect(reply.classified).toEqual(rough.map((r) => classifyImage(r)))
  })

  it('generates the same cases, chains and vocabulary from the same seed', () => {
    const rng = mulberry32(request.seed)
    const cases = benchCases(rng, request.cases)
    const chains = Array.from({ length: request.chains }, () => makeChain(rng, request.turns))
    expect(reply.cases).toEqual(cases)
    expect(reply.chains).toEqual(chains)
    expect(reply.vocab).toEqual(vocabulary())
  })
})

/**
 * KontextBench-mini in TypeScript: the classifier inverts the renderer on many random scenes
 * (tiny shapes included), generated instructions follow the templates, and scoring behaves.
 */
import { describe, expect, it } from 'vitest'
import {
  benchCases,
  classifyImage,
  editCorrect,
  makeChain,
  MAX_WORDS,
  mulberry32,
  psnr,
  PSNR_CAP_DB,
  randomScene,
  renderScene,
  scenesEqual,
  shapeMask,
  SHAPE_SIZES,
  vocabulary,
  type Scene,
} from '../../../bench/kontextbench'

describe('renderer and classifier', () => {
  it('classifies 600 random scenes back to themselves at 64 and 128 px', () => {
    const rng = mulberry32(7)
    const wrong: Scene[] = []
    for (let i = 0; i < 600; i++) {
      const scene = randomScene(rng, 0, 4)
      for (const size of [64, 128] as const) if (!scenesEqual(classifyImage(renderScene(scene, size), size), scene)) wrong.push(scene)
    }
    expect(wrong).toEqual([])
  })

  it('classifies every shape × size × colour alone in every cell, on every background', () => {
    let checked = 0
    for (const bg of ['black', 'white', 'teal', 'beige'] as const)
      for (const [shape, size] of SHAPE_SIZES)
        for (const colour of ['red', 'cyan', 'purple'] as const)
          for (let cell = 0; cell < 16; cell += 5) {
            const scene: Scene = { bg, cells: Array.from({ length: 16 }, (_, i) => (i === cell ? { colour, shape, size } : null)) }
            expect(classifyImage(renderScene(scene))).toEqual(scene)
            checked++
          }
    expect(checked).toBe(4 * 8 * 3 * 4)
  })

  it('keeps shapes inside their cell, off its outer row and column, so the image border is background', () => {
    for (const [shape, size] of SHAPE_SIZES) {
      const m = shapeMask(shape, size, 64)
      expect(m.reduce((a, b) => a + b, 0)).toBeGreaterThan(20)
      for (let k = 0; k < 16; k++) expect([m[k], m[k * 16]]).toEqual([0, 0])
    }
  })

  it('tells a noisy image apart from its target and still reads mild noise correctly', () => {
    const scene = benchCases(mulberry32(3), 1)[0]!.target
    const clean = renderScene(scene)
    const noisy = clean.map((v, i) => Math.max(0, Math.min(255, v + ((i * 7919) % 21) - 10)))
    expect(editCorrect(noisy, scene)).toBe(true)
    const other = benchCases(mulberry32(4), 1)[0]!.target
    expect(editCorrect(clean, other)).toBe(scenesEqual(scene, other))
  })
})

describe('instructions and chains', () => {
  const vocab = vocabulary()
  it('uses the 43 template words, at most 12 a prompt, and changes the scene', () => {
    expect(Object.keys(vocab)).toHaveLength(44)
    for (const c of benchCases(mulberry32(11), 700)) {
      const words = c.prompt.split(' ')
      expect(words.length).toBeLessThanOrEqual(MAX_WORDS)
      for (const w of words) expect(vocab[w]).toBeGreaterThan(0)
      if (c.context)
        expect(scenesEqual(c.context, c.target)).toBe(
          c.kind === 'reference' && c.context.cells.filter(Boolean).length === 1 && c.context.bg === c.target.bg,
        )
    }
  })

  it('gives each kind an equal share of the benchmark set', () => {
    const counts: Record<string, number> = {}
    for (const c of benchCases(mulberry32(1), 70)) counts[c.kind] = (counts[c.kind] ?? 0) + 1
    expect(Object.values(counts)).toEqual([10, 10, 10, 10, 10, 10, 10])
  })

  it('chains local edits, each turn starting from the previous target', () => {
    const chain = makeChain(mulberry32(5), 6)
    expect(chain.turns).toHaveLength(6)
    for (const t of chain.turns) expect(['recolour', 'move', 'remove', 'add']).toContain(t.kind)
  })

  it('scores PSNR with a cap for identical images', () => {
    const a = new Uint8Array([0, 0, 0, 0])
    expect(psnr(a, a)).toBe(PSNR_CAP_DB)
    expect(psnr(a, new Uint8Array([255, 255, 255, 255]))).toBeCloseTo(0, 6)
  })
})

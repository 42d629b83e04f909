/**
 * Seeded scenes, instructions and multi-turn chains, exactly as the spec's templates say.
 * Every draw goes through `Rng.int` in a fixed order, mirrored line by line in
 * training/kontextbench/generate.py, so a seed names the same cases in both languages.
 */
import {
  BG_NAMES,
  CELLS,
  COLOUR_NAMES,
  DIRECTIONS,
  GRID,
  KINDS,
  LOCAL_KINDS,
  MAX_OBJECTS,
  NUMBERS,
  SHAPES,
  SIZES,
  emptyScene,
  type BenchCase,
  type Kind,
  type LocalKind,
  type Scene,
  type SceneObject,
} from './domain'
import { pick, type Rng } from './rng'

/** How many objects the context scene of each kind may hold (the edit must be possible). */
const OBJECT_RANGE: Readonly<Record<Exclude<Kind, 't2i'>, readonly [number, number]>> = {
  recolour: [1, 4],
  move: [1, 4],
  remove: [1, 4],
  add: [0, 3],
  background: [0, 4],
  reference: [1, 4],
}

const hasPair = (s: Scene, colour: string, shape: string): boolean =>
  s.cells.some((o) => o !== null && o.colour === colour && o.shape === shape)
const occupied = (s: Scene): number[] => s.cells.flatMap((o, i) => (o === null ? [] : [i]))
const free = (s: Scene): number[] => s.cells.flatMap((o, i) => (o === null ? [i] : []))
const withCell = (s: Scene, cell: number, obj: SceneObject | null): Scene => ({
  bg: s.bg,
  cells: s.cells.map((o, i) => (i === cell ? obj : o)),
})
const describe = (o: SceneObject): string => `${o.colour} ${o.shape}`

export function randomScene(rng: Rng, minObjects = 0, maxObjects = MAX_OBJECTS): Scene {
  const bg = pick(rng, BG_NAMES)
  const n = minObjects + rng.int(maxObjects - minObjects + 1)
  const cells: (SceneObject | null)[] = new Array<SceneObject | null>(CELLS).fill(null)
  const open = Array.from({ length: CELLS }, (_, i) => i)
  const scene = (): Scene => ({ bg, cells })
  for (let k = 0; k < n; k++) {
    const cell = open.splice(rng.int(open.length), 1)[0]!
    let colour = pick(rng, COLOUR_NAMES)
    let shape = pick(rng, SHAPES)
    // No two objects share (colour, shape); at most 4 of 24 pairs are taken, so this ends fast.
    while (hasPair(scene(), colour, shape)) {
      colour = pick(rng, COLOUR_NAMES)
      shape = pick(rng, SHAPES)
    }
    cells[cell] = { colour, shape, size: pick(rng, SIZES) }
  }
  return { bg, cells }
}

/** Applies one instruction of `kind` to `scene`, or null when that kind is impossible here. */
export function tryEdit(rng: Rng, kind: Exclude<Kind, 't2i'>, scene: Scene): { prompt: string; target: Scene } | null {
  switch (kind) {
    case 'recolour': {
      const cell = pick(rng, occupied(scene))
      const obj = scene.cells[cell]!
      const options = COLOUR_NAMES.filter((c) => c !== obj.colour && !hasPair(scene, c, obj.shape))
      if (options.length === 0) return null
      const colour = pick(rng, options)
      return { prompt: `make the ${describe(obj)} ${colour}`, target: withCell(scene, cell, { ...obj, colour }) }
    }
    case 'move': {
      const cell = pick(rng, occupied(scene))
      const obj = scene.cells[cell]!
      const [r, c] = [Math.floor(cell / GRID), cell % GRID]
      const options = DIRECTIONS.filter(([, dc, dr]) => {
        const [nr, nc] = [r + dr, c + dc]
        return nr >= 0 && nr < GRID && nc >= 0 && nc < GRID && scene.cells[nr * GRID + nc] === null
      })
      if (options.length === 0) return null
      const [name, dc, dr] = pick(rng, options)
      return { prompt: `move the ${describe(obj)} ${name}`, target: withCell(withCell(scene, cell, null), (r + dr) * GRID + c + dc, obj) }
    }
    case 'remove': {
      const cell = pick(rng, occupied(scene))
      return { prompt: `remove the ${describe(scene.cells[cell]!)}`, target: withCell(scene, cell, null) }
    }
    case 'add': {
      const open = free(scene)
      if (open.length === 0) return null
      const cell = pick(rng, open)
      const size = pick(rng, SIZES)
      const pairs = COLOUR_NAMES.flatMap((colour) =>
        SHAPES.filter((shape) => !hasPair(scene, colour, shape)).map((shape) => ({ colour, shape })),
      )
      const { colour, shape } = pick(rng, pairs)
      const where = `row ${NUMBERS[Math.floor(cell / GRID)]} col ${NUMBERS[cell % GRID]}`
      return { prompt: `add a ${size} ${colour} ${shape} at ${where}`, target: withCell(scene, cell, { colour, shape, size }) }
    }
    case 'background': {
      const bg = pick(
        rng,
        BG_NAMES.filter((b) => b !== scene.bg),
      )
      return { prompt: `change the background to ${bg}`, target: { bg, cells: scene.cells } }
    }
    case 'reference': {
      const cell = pick(rng, occupied(scene))
      const obj = scene.cells[cell]!
      const bg = pick(rng, BG_NAMES)
      return { prompt: `put the ${describe(obj)} alone on a ${bg} background`, target: withCell(emptyScene(bg), cell, obj) }
    }
  }
}

export function makeCase(rng: Rng, kind: Kind): BenchCase {
  if (kind === 't2i') {
    const bg = pick(rng, BG_NAMES)
    const size = pick(rng, SIZES)
    const colour = pick(rng, COLOUR_NAMES)
    const shape = pick(rng, SHAPES)
    const cell = rng.int(CELLS)
    const where = `row ${NUMBERS[Math.floor(cell / GRID)]} col ${NUMBERS[cell % GRID]}`
    return {
      kind,
      prompt: `a ${size} ${colour} ${shape} on ${bg} at ${where}`,
      context: null,
      target: withCell(emptyScene(bg), cell, { colour, shape, size }),
    }
  }
  const [lo, hi] = OBJECT_RANGE[kind]
  for (;;) {
    const context = randomScene(rng, lo, hi)
    const edit = tryEdit(rng, kind, context)
    if (edit) return { kind, prompt: edit.prompt, context, target: edit.target }
  }
}

/** The benchmark set for a seed: kinds in turn (i mod 7), so every kind gets n/7 cases. */
export function benchCases(rng: Rng, n: number): BenchCase[] {
  return Array.from({ length: n }, (_, i) => makeCase(rng, KINDS[i % KINDS.length]!))
}

export interface ChainTurn {
  readonly kind: LocalKind
  readonly prompt: string
  /** The true scene after this turn. */
  readonly target: Scene
}

export interface Chain {
  readonly start: Scene
  readonly turns: readonly ChainTurn[]
}

/** A chain of random local edits on a scene of 1–4 objects; an impossible kind is redrawn. */
export function makeChain(rng: Rng, turns: number): Chain {
  const start = randomScene(rng, 1, MAX_OBJECTS)
  const out: ChainTurn[] = []
  let scene = start
  while (out.length < turns) {
    const kind = pick(rng, LOCAL_KINDS)
    // An empty scene can only be added to; remove/recolour/move need an object.
    if (kind !== 'add' && occupied(scene).length === 0) continue
    const edit = tryEdit(rng, kind, scene)
    if (!edit) continue
    out.push({ kind, prompt: edit.prompt, target: edit.target })
    scene = edit.target
  }
  return { start, turns: out }
}

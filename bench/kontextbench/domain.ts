/**
 * KontextBench-mini: the synthetic domain kontext-tiny learns and is scored on
 * (shared/design/KONTEXTBENCH_MINI.md). The TypeScript twin of training/kontextbench/domain.py —
 * the two must agree exactly (a parity test renders and generates with both).
 */

export const BACKGROUNDS = {
  black: [10, 10, 10],
  gray: [128, 128, 128],
  navy: [20, 20, 120],
  forest: [30, 110, 30],
  maroon: [125, 20, 20],
  teal: [0, 128, 128],
  beige: [225, 205, 160],
  white: [250, 250, 250],
} as const satisfies Record<string, readonly [number, number, number]>

export const OBJECT_COLOURS = {
  red: [235, 40, 40],
  green: [40, 210, 60],
  blue: [60, 110, 255],
  yellow: [250, 225, 40],
  purple: [180, 60, 220],
  cyan: [40, 230, 230],
} as const satisfies Record<string, readonly [number, number, number]>

export type BgName = keyof typeof BACKGROUNDS
export type ColourName = keyof typeof OBJECT_COLOURS
export const BG_NAMES = Object.keys(BACKGROUNDS) as BgName[]
export const COLOUR_NAMES = Object.keys(OBJECT_COLOURS) as ColourName[]
export const SHAPES = ['circle', 'square', 'triangle', 'ring'] as const
export type Shape = (typeof SHAPES)[number]
export const SIZES = ['small', 'large'] as const
export type Size = (typeof SIZES)[number]
/** Radius in 64-px units; the 128 variant doubles it. */
export const RADIUS: Readonly<Record<Size, number>> = { small: 4.5, large: 7.0 }
export const NUMBERS = ['one', 'two', 'three', 'four'] as const
/** Order matters: generation draws among the valid ones in this order. */
export const DIRECTIONS = [
  ['left', -1, 0],
  ['right', 1, 0],
  ['up', 0, -1],
  ['down', 0, 1],
] as const
export type Direction = (typeof DIRECTIONS)[number][0]

export const GRID = 4
export const CELLS = GRID * GRID
export const MAX_OBJECTS = 4
export const MAX_WORDS = 12

export interface SceneObject {
  readonly colour: ColourName
  readonly shape: Shape
  readonly size: Size
}

/** A scene: background and 16 cells (row·4 + col), each empty (null) or one object. */
export interface Scene {
  readonly bg: BgName
  readonly cells: readonly (SceneObject | null)[]
}

export const KINDS = ['recolour', 'move', 'remove', 'add', 'background', 'reference', 't2i'] as const
export type Kind = (typeof KINDS)[number]
export const LOCAL_KINDS = ['recolour', 'move', 'remove', 'add'] as const satisfies readonly Kind[]
export type LocalKind = (typeof LOCAL_KINDS)[number]
export const CATEGORY: Readonly<Record<Kind, string>> = {
  recolour: 'local',
  move: 'local',
  remove: 'local',
  add: 'local',
  background: 'global',
  reference: 'character reference',
  t2i: 'generation',
}

/** One benchmark case: edit `context` (null for text-to-image) by `prompt` into `target`. */
export interface BenchCase {
  readonly kind: Kind
  readonly prompt: string
  readonly context: Scene | null
  readonly target: Scene
}

/** The closed vocabulary: every template word, sorted, after `<pad>` = 0 (the reference's vocab.json). */
export function vocabulary(): Record<string, number> {
  const words = new Set<string>([
    ...'make the move remove add a at row col change background to put alone on'.split(' '),
    ...BG_NAMES,
    ...COLOUR_NAMES,
    ...SHAPES,
    ...SIZES,
    ...NUMBERS,
    ...DIRECTIONS.map((d) => d[0]),
  ])
  const vocab: Record<string, number> = { '<pad>': 0 }
  ;[...words].sort().forEach((w, i) => (vocab[w] = i + 1))
  return vocab
}

export const emptyScene = (bg: BgName): Scene => ({ bg, cells: new Array<SceneObject | null>(CELLS).fill(null) })

export function scenesEqual(a: Scene, b: Scene): boolean {
  if (a.bg !== b.bg) return false
  for (let i = 0; i < CELLS; i++) {
    const x = a.cells[i] ?? null
    const y = b.cells[i] ?? null
    if (x === null || y === null) {
      if (x !== y) return false
    } else if (x.colour !== y.colour || x.shape !== y.shape || x.size !== y.size) return false
  }
  return true
}

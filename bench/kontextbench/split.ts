/**
 * The train/benchmark split of KontextBench-mini, defined on the case space rather than on draws:
 * every case has a canonical key (its context scene and instruction; for text-to-image its
 * prompt), the key is hashed into 16 buckets, and bucket 0 is the benchmark's. training/ never
 * trains on a bucket-0 case (training/kontextbench/split.py is the byte-identical twin; a parity
 * test compares both), so any case drawn from bucket 0 is unseen by a model trained under this
 * rule, however many cases either side draws. The rule is written out in README.md here.
 */
import { createHash } from 'node:crypto'
import { CELLS, type BenchCase, type Scene } from './domain'

/** Version tag inside every key: changing the canonical form must change every bucket. */
export const SPLIT_RULE = 'kbm-split-v1'
export const SPLIT_BUCKETS = 16
/** The bucket every benchmark case comes from and training never sees. */
export const HELD_OUT_BUCKET = 0

/** ASCII letters lower-cased, split on runs of ASCII whitespace, joined by one space; any other
 *  character is kept as it is (both languages agree on every string, not only on the vocabulary). */
export const canonicalPrompt = (prompt: string): string =>
  prompt
    .replace(/[A-Z]/g, (ch) => ch.toLowerCase())
    .split(/[ \t\n\r\f\v]+/)
    .filter((w) => w.length > 0)
    .join(' ')

/** `bg|c0;c1;…;c15`, a cell being `-` (empty) or `colour.shape.size`, row-major. */
export function canonicalScene(scene: Scene): string {
  const cells: string[] = []
  for (let i = 0; i < CELLS; i++) {
    const o = scene.cells[i] ?? null
    cells.push(o === null ? '-' : `${o.colour}.${o.shape}.${o.size}`)
  }
  return `${scene.bg}|${cells.join(';')}`
}

/** The canonical key of a case (ASCII; hashed as UTF-8). The target is not part of it: it follows from context and instruction. */
export function canonicalKey(c: Pick<BenchCase, 'prompt' | 'context'>): string {
  const prompt = canonicalPrompt(c.prompt)
  return c.context === null ? `${SPLIT_RULE}|t2i|${prompt}` : `${SPLIT_RULE}|edit|${canonicalScene(c.context)}|${prompt}`
}

/** The first four bytes of SHA-256(key), big-endian, modulo 16. */
export function bucketOfKey(key: string): number {
  return createHash('sha256').update(key, 'utf8').digest().readUInt32BE(0) % SPLIT_BUCKETS
}

export const caseBucket = (c: Pick<BenchCase, 'prompt' | 'context'>): number => bucketOfKey(canonicalKey(c))

/** True for a case in the benchmark's bucket: never trained on under the split. */
export const isHeldOut = (c: Pick<BenchCase, 'prompt' | 'context'>): boolean => caseBucket(c) === HELD_OUT_BUCKET

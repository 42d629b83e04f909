/**
 * Position ids for FLUX's 3-axis RoPE: [index, row, col] (KONTEXT_PIPELINE.md §4.3).
 * Text tokens are all zero; the target image sits at index 0; the i-th context image (1-based)
 * sits at index `offset·i` — the paper's "virtual time" offset, which keeps context tokens apart
 * from the target while sharing its row/column grid.
 */

/** Float32 ids, 3 per token, row-major over a `rows`×`cols` token grid. */
export function imageIds(rows: number, cols: number, index: number): Float32Array {
  const ids = new Float32Array(rows * cols * 3)
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const k = (r * cols + c) * 3
      ids[k] = index
      ids[k + 1] = r
      ids[k + 2] = c
    }
  return ids
}

export const textIds = (length: number): Float32Array => new Float32Array(length * 3)

/** Axis-0 value of the i-th context image (i = 1, 2, …). */
export const contextIndex = (i: number, offset: number): number => i * offset

/** Concatenates id blocks in sequence order ([target ; context 1 ; context 2 …]). */
export function concatIds(blocks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(blocks.reduce((n, b) => n + b.length, 0))
  let at = 0
  for (const b of blocks) {
    out.set(b, at)
    at += b.length
  }
  return out
}

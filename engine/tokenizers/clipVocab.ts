/**
 * CLIP's vocabulary is a function of its merges: the 256 byte symbols, the same 256 with `</w>`,
 * one entry per merge in rank order, then `<|startoftext|>` and `<|endoftext|>`. Deriving it lets
 * the engine use a folder that holds only a merges file (and tests check ids against the reference
 * without a vocab.json). Pure: strings in, tables out.
 */

export const CLIP_BOS = '<|startoftext|>'
export const CLIP_EOS = '<|endoftext|>'
/** CLIP uses the first 48,894 merges of its 16e6 file (49,408 − 256 − 256 − 2). */
export const CLIP_MERGE_COUNT = 49408 - 256 - 256 - 2

/** GPT-2's reversible map from bytes to printable code points, in the order CLIP enumerates them. */
export function bytesToUnicode(): string[] {
  const bs: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b)
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b)
  for (let b = 0xae; b <= 0xff; b++) bs.push(b)
  const cs = [...bs]
  let n = 0
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b)
      cs.push(256 + n)
      n++
    }
  }
  // Enumeration order (not byte order) is what fixes the ids of the first 512 entries.
  return cs.map((c) => String.fromCodePoint(c))
}

/**
 * Parses a merges file: an optional header line containing `#version` (the 16e6 file's reads
 * `bpe_simple_vocab_16e6.txt#version: 0.2`, diffusers' `merges.txt` `#version: 0.2`), then one
 * "a b" pair per line. `limit` keeps the first N merges, as CLIP does with its 16e6 file.
 */
export function parseMerges(text: string, limit = Infinity): [string, string][] {
  const merges: [string, string][] = []
  const lines = text.split('\n')
  if (lines[0]?.includes('#version')) lines.shift()
  for (const raw of lines) {
    if (merges.length >= limit) break
    const line = raw.replace(/\r$/, '')
    if (line === '') continue
    const parts = line.split(' ')
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`merges line ${merges.length + 1} is not a pair of symbols`)
    merges.push([parts[0], parts[1]])
  }
  return merges
}

/** CLIP's token → id table for the given merges. */
export function clipVocabFromMerges(merges: readonly (readonly [string, string])[]): Record<string, number> {
  const byteChars = bytesToUnicode()
  const tokens = [...byteChars, ...byteChars.map((c) => c + '</w>'), ...merges.map(([a, b]) => a + b), CLIP_BOS, CLIP_EOS]
  const vocab: Record<string, number> = {}
  tokens.forEach((t, i) => (vocab[t] = i))
  return vocab
}

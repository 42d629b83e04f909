/**
 * Builds a Hugging Face `tokenizer.json` (WordLevel, lower-case, whitespace split, id 0 = pad)
 * from a closed `vocab.json`, the form the kontext-tiny text encoder was trained on.
 * Usage: `tsx engine/tools/wordLevelTokenizer.ts <vocab.json> <tokenizer.json>`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function wordLevelTokenizer(vocab: Record<string, number>, pad = '<pad>'): object {
  if (vocab[pad] !== 0) throw new Error(`${pad} must have id 0`)
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 0, content: pad, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: { type: 'Lowercase' },
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    // unk_token is deliberately absent from the vocabulary: unknown words are refused, never mapped.
    model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [src, dst] = process.argv.slice(2)
  if (!src || !dst) throw new Error('usage: wordLevelTokenizer.ts <vocab.json> <tokenizer.json>')
  const vocab = JSON.parse(readFileSync(src, 'utf8')) as Record<string, number>
  writeFileSync(dst, JSON.stringify(wordLevelTokenizer(vocab), null, 1) + '\n')
}

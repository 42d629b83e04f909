/** The CLIP-L merges shipped in assets/ (for model folders without a CLIP tokenizer, e.g. ComfyUI's). */
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const BUNDLED_CLIP_MERGES = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
  'assets',
  'tokenizers',
  'clip-l',
  'bpe_simple_vocab_16e6.txt.gz',
)

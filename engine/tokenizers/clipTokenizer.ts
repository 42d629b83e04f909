/**
 * CLIP-L's prompt tokenizer from the diffusers layout (`tokenizer/vocab.json` + `tokenizer/merges.txt`)
 * or from a merges file alone, run by @huggingface/tokenizers' BPE model.
 *
 * The pipeline mirrors openai/CLIP's `SimpleTokenizer`: NFC, whitespace runs → one space, trim,
 * lower-case; CLIP's split regex (contractions, letter runs, single digits, other symbol runs);
 * GPT-2 byte→unicode; BPE by merge rank with `</w>` marking a word's end; `<|startoftext|>` …
 * `<|endoftext|>` around it. Then truncation keeping the end token and padding to 77, as the
 * diffusers/BFL pipelines call it (`padding="max_length", truncation=True`). openai/CLIP's
 * `ftfy` text repair and double `html.unescape` are not applied (the reference ids in the tests take
 * ftfy as identity): a prompt with an entity such as `&amp;` keeps it literally.
 */
import { Tokenizer } from '@huggingface/tokenizers'
import { CLIP_BOS, CLIP_EOS } from './clipVocab'

export const CLIP_MAX_LENGTH = 77

/** CLIP's pre-tokenisation regex (openai/CLIP `simple_tokenizer.py`), applied after lower-casing. */
const CLIP_SPLIT = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"

export interface ClipTokenizerOptions {
  /** Sequence length after padding/truncation (77 for every CLIP text model). */
  maxLength?: number
  /** The pad token; FLUX's `tokenizer/` pads with `<|endoftext|>`. */
  padToken?: string
}

export interface ClipTokenizer {
  /** Ids with start/end tokens, untruncated and unpadded (what CLIP's reference `encode` gives, plus the specials). */
  encodeRaw(prompt: string): number[]
  /** Exactly `maxLength` ids: truncated keeping the end token, then padded with the pad id. */
  encode(prompt: string): number[]
  readonly bosId: number
  readonly eosId: number
  readonly padId: number
  readonly maxLength: number
}

function requireId(vocab: Record<string, number>, token: string, what: string): number {
  const id = vocab[token]
  if (typeof id !== 'number') throw new Error(`The CLIP vocabulary has no ${what} token “${token}”; the tokenizer folder is incomplete.`)
  return id
}

export function createClipTokenizer(
  vocab: Record<string, number>,
  merges: readonly (readonly [string, string])[],
  options: ClipTokenizerOptions = {},
): ClipTokenizer {
  const maxLength = options.maxLength ?? CLIP_MAX_LENGTH
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new Error('CLIP maxLength must be an integer of at least 2.')
  const bosId = requireId(vocab, CLIP_BOS, 'start')
  const eosId = requireId(vocab, CLIP_EOS, 'end')
  const padId = requireId(vocab, options.padToken ?? CLIP_EOS, 'pad')
  // The same pipeline as the `tokenizer.json` transformers writes for CLIP, built in memory.
  const config = {
    version: '1.0',
    added_tokens: [
      { id: bosId, content: CLIP_BOS, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: eosId, content: CLIP_EOS, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [CLIP_EOS, eosId],
      cls: [CLIP_BOS, bosId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: CLIP_EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.map(([a, b]) => [a, b]),
    },
  }
  const tok = new Tokenizer(config, {})
  const encodeRaw = (prompt: string): number[] => tok.encode(prompt.trim()).ids.map(Number)
  return {
    bosId,
    eosId,
    padId,
    maxLength,
    encodeRaw,
    encode(prompt) {
      let ids = encodeRaw(prompt)
      // transformers truncates the text before adding the specials, so the end token survives.
      if (ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), eosId]
      return [...ids, ...new Array<number>(maxLength - ids.length).fill(padId)]
    },
  }
}

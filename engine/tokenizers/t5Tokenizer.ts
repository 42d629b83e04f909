/**
 * T5's prompt tokenizer from a Unigram `tokenizer.json` (FLUX's `tokenizer_2/`), run by
 * @huggingface/tokenizers, with what the FLUX pipelines ask of it: `</s>` at the end, truncation
 * to 512 keeping `</s>`, padding with `<pad>` (id 0) to 512.
 *
 * @huggingface/tokenizers 0.2.0 runs the `Precompiled` normaliser as NFKC plus SentencePiece's
 * control/space clean-up rather than by interpreting the stored charsmap; for T5's nmt_nfkc map the
 * two agree on ordinary text.
 */
import { Tokenizer } from '@huggingface/tokenizers'

export const T5_MAX_LENGTH = 512

export interface T5Tokenizer {
  /** Ids ending with `</s>`, untruncated and unpadded. */
  encodeRaw(prompt: string): number[]
  /** Exactly `maxLength` ids: truncated keeping `</s>`, then padded with the pad id. */
  encode(prompt: string): number[]
  readonly eosId: number
  readonly padId: number
  readonly maxLength: number
}

interface UnigramJson {
  model?: { type?: unknown; vocab?: unknown; unk_id?: unknown }
  added_tokens?: unknown
}

/** Checks the parts of the JSON this module relies on; the message never quotes the file. */
function checkUnigram(json: unknown): asserts json is UnigramJson & { model: { vocab: [string, number][] } } {
  const model = (json as UnigramJson | null)?.model
  if (!model || model.type !== 'Unigram')
    throw new Error('The T5 tokenizer.json is not a Unigram tokenizer (model.type must be "Unigram").')
  const vocab = model.vocab
  if (!Array.isArray(vocab) || vocab.length === 0) throw new Error('The T5 tokenizer.json has no Unigram vocabulary.')
  for (const entry of vocab as unknown[]) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || typeof entry[1] !== 'number') {
      throw new Error('The T5 tokenizer.json vocabulary must be a list of [piece, score] pairs.')
    }
  }
  if (typeof model.unk_id !== 'number' || model.unk_id < 0 || model.unk_id >= vocab.length) {
    throw new Error('The T5 tokenizer.json has no valid unk_id.')
  }
}

export function createT5Tokenizer(json: unknown, options: { maxLength?: number } = {}): T5Tokenizer {
  const maxLength = options.maxLength ?? T5_MAX_LENGTH
  if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error('T5 maxLength must be a positive integer.')
  checkUnigram(json)
  const pieces = json.model.vocab.map(([p]) => p)
  const eosId = pieces.indexOf('</s>')
  const padId = pieces.indexOf('<pad>')
  if (eosId < 0) throw new Error('The T5 tokenizer.json has no “</s>” piece.')
  if (padId < 0) throw new Error('The T5 tokenizer.json has no “<pad>” piece.')
  const tok = new Tokenizer({ added_tokens: [], ...(json as object) }, { eos_token: '</s>' })
  const encodeRaw = (prompt: string): number[] => {
    const ids = tok.encode(prompt).ids.map(Number)
    // A tokenizer.json without T5's TemplateProcessing still gets the `</s>` the encoder was trained with.
    return ids[ids.length - 1] === eosId ? ids : [...ids, eosId]
  }
  return {
    eosId,
    padId,
    maxLength,
    encodeRaw,
    encode(prompt) {
      let ids = encodeRaw(prompt)
      if (ids.length > maxLength) ids = [...ids.slice(0, maxLength - 1), eosId]
      return [...ids, ...new Array<number>(maxLength - ids.length).fill(padId)]
    },
  }
}

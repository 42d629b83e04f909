/**
 * Prompt tokenisation from the model folder's `tokenizer.json` (@huggingface/tokenizers), with
 * the padding and truncation the manifest asks for — the library itself does neither.
 *
 * @huggingface/tokenizers 0.2.0 has no `WordLevel` model class; given a WordLevel config it falls
 * back to its pass-through model and maps the normalised, pre-split words through the vocabulary,
 * which is exactly WordLevel's behaviour. A word outside a closed vocabulary maps to no id — we
 * refuse it with the list of known words rather than feed the model a wrong token.
 */
import { Tokenizer } from '@huggingface/tokenizers'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { err, ok, studioError, type Result } from '../core/result'
import { promptWords, shownWord } from '../core/promptWords'
import type { TextEncoderSpec } from './manifest/schema'

export interface PromptTokenizer {
  /** Token ids, padded/truncated per the manifest; an error for unknown words in a closed vocabulary. */
  encode(prompt: string): Result<number[]>
  /** The all-pad prompt (the unconditional input for classifier-free guidance). */
  allPad(): number[]
  /** Known words of a closed vocabulary (specials excluded), else null. */
  readonly vocabulary: readonly string[] | null
}

interface TokenizerJson {
  model?: { vocab?: Record<string, number> | unknown }
  added_tokens?: { content: string; special?: boolean }[]
}

export function loadTokenizer(dir: string, spec: TextEncoderSpec['tokenizer']): PromptTokenizer {
  const json = JSON.parse(readFileSync(join(dir, spec.file), 'utf8')) as TokenizerJson
  const tok = new Tokenizer(json, {})
  const specials = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.content))
  const vocabObj = json.model?.vocab
  const vocabulary =
    spec.closedVocabulary && vocabObj && typeof vocabObj === 'object' && !Array.isArray(vocabObj)
      ? Object.keys(vocabObj as Record<string, number>)
          .filter((w) => !specials.has(w))
          .sort()
      : null
  const pad = (ids: number[]): number[] => {
    if (ids.length > spec.maxLength) {
      // Keep a trailing special (T5's </s>) as HF truncation does, which cuts before adding it.
      const last = ids[ids.length - 1]!
      const lastTok = tok.id_to_token(last)
      ids = lastTok !== undefined && specials.has(lastTok) ? [...ids.slice(0, spec.maxLength - 1), last] : ids.slice(0, spec.maxLength)
    }
    return spec.padding === 'max_length' ? [...ids, ...new Array<number>(spec.maxLength - ids.length).fill(spec.padId)] : ids
  }
  return {
    vocabulary,
    allPad: () => new Array<number>(spec.maxLength).fill(spec.padId),
    encode(prompt) {
      // A closed vocabulary has no punctuation: read the words as the prompt bar and host do.
      const enc = tok.encode(vocabulary ? promptWords(prompt).join(' ') : prompt)
      const unknown = enc.tokens.filter((t, i) => {
        const id = enc.ids[i]
        return id === undefined || id === null || Number.isNaN(id) || (vocabulary !== null && (specials.has(t) || id === spec.padId))
      })
      if (unknown.length && vocabulary) {
        const words = [...new Set(unknown)]
          .slice(0, 8)
          .map((w) => `“${shownWord(w)}”`)
          .join(', ')
        return err(
          studioError(
            'prompt.unknownWords',
            `This model does not know the word${unknown.length > 1 ? 's' : ''} ${words}.`,
            `It knows only: ${vocabulary.join(' ')}.`,
          ),
        )
      }
      if (unknown.length) return err(studioError('prompt.untokenizable', `The tokenizer could not encode ${unknown.join(', ')}.`))
      if (vocabulary !== null && enc.ids.length > spec.maxLength) {
        return err(
          studioError(
            'prompt.tooLong',
            `The prompt has ${enc.ids.length} words; this model reads at most ${spec.maxLength}.`,
            'Shorten the prompt.',
          ),
        )
      }
      return ok(pad(enc.ids.map(Number)))
    },
  }
}

/**
 * Prompt tokenisation from the model folder's `tokenizer.json` (@huggingface/tokenizers), with
 * the padding and truncation the manifest asks for — the library itself does neither.
 *
 * @huggingface/tokenizers 0.2.0 has no `WordLevel` model class; given a WordLevel config it falls
 * back to its pass-through model and maps the normalised, pre-split words through the vocabulary,
 * which is exactly WordLevel's behaviour. A word outside a closed vocabulary maps to no id — we
 * refuse it with the list of known words rather than feed the model a wrong token.
 */
import { dirname, join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import { z } from 'zod'
import { err, ok, StudioError, studioError, type Result } from '../core/result'
import { promptWords, shownWord } from '../core/domain/promptWords'
import { confineFile, printableName } from './manifest/confine'
import type { TextEncoderSpec } from './manifest/schema'
import { badModel, jsonErrorWhere, readText } from './manifest/validate'
import { loadClipTokenizerDir } from './tokenizers/load'
import { createT5Tokenizer } from './tokenizers/t5Tokenizer'

export interface PromptTokenizer {
  /** Token ids, padded/truncated per the manifest; an error for unknown words in a closed vocabulary. */
  encode(prompt: string): Result<number[]>
  /** The all-pad prompt (the unconditional input for classifier-free guidance). */
  allPad(): number[]
  /** Known words of a closed vocabulary (specials excluded), else null. */
  readonly vocabulary: readonly string[] | null
}

/**
 * The part of tokenizer.json we rely on, checked before the library sees it (it trusts its
 * input and fails deep inside with messages that quote the file). Everything else passes through.
 */
const tokenizerJsonSchema = z.looseObject({
  model: z.looseObject({ type: z.string().max(64).optional(), vocab: z.unknown().optional() }),
  added_tokens: z.array(z.looseObject({ content: z.string(), special: z.boolean().optional() })).nullish(),
})
type TokenizerJson = z.infer<typeof tokenizerJsonSchema>
const vocabSchema = z.record(z.string(), z.number().int().min(0))

/** tokenizer.json for FLUX's T5 is 2.4 MB; anything past this is not a tokenizer we can hold. */
export const MAX_TOKENIZER_BYTES = 64 << 20

/** Why a tokenizer file is unusable: outside the folder (a confinement sentence), or not a tokenizer. */
export type TokenizerProblem = { readonly kind: 'file'; readonly problem: string } | { readonly kind: 'invalid'; readonly reason: string }

/** One sentence for `models validate`'s list (the folder is named once, by the caller). */
export const tokenizerProblemText = (spec: TextEncoderSpec['tokenizer'], p: TokenizerProblem): string =>
  p.kind === 'file' ? p.problem : `${printableName(spec.file)} is not a valid tokenizer: ${p.reason}`

/**
 * Reads and checks a text encoder's tokenizer file. Problems name the file and what is wrong
 * with it, never its contents; `field` is the manifest field that names the file.
 */
export function checkTokenizer(
  dir: string,
  spec: TextEncoderSpec['tokenizer'],
  field = 'tokenizer.file',
): Result<PromptTokenizer, TokenizerProblem> {
  const invalid = (reason: string) => err({ kind: 'invalid' as const, reason })
  const file = confineFile(dir, spec.file, field)
  if (!file.ok) return err({ kind: 'file', problem: file.error })
  if (file.value.size > MAX_TOKENIZER_BYTES) return invalid(`it is ${file.value.size} bytes, more than ${MAX_TOKENIZER_BYTES}`)
  if (spec.format === 'clip-bpe' || spec.format === 't5-unigram') {
    if (spec.format === 'clip-bpe') {
      const merges = confineFile(dir, join(dirname(spec.file), 'merges.txt'), field)
      if (!merges.ok) return err({ kind: 'file', problem: merges.error })
    }
    return fluxTokenizer(spec, file.value.path, invalid)
  }
  const text = readText(file.value.path)
  if (text === null) return invalid('it cannot be read (check its permissions)')
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return invalid(`it is not valid JSON${jsonErrorWhere(e)}`)
  }
  const shape = tokenizerJsonSchema.safeParse(raw)
  if (!shape.success) {
    const where = [...new Set(shape.error.issues.map((i) => printableName(i.path.join('.') || '(root)', 60)))].slice(0, 3)
    return invalid(`it does not have the shape of a tokenizer.json (check ${where.join(', ')})`)
  }
  const json = shape.data
  if (spec.closedVocabulary && !vocabSchema.safeParse(json.model.vocab).success)
    return invalid('the manifest says its vocabulary is closed, but model.vocab is not a word → id map')
  let tok: Tokenizer
  try {
    tok = new Tokenizer(json, {})
  } catch {
    // The library's message quotes parts of the file; ours says what to check.
    return invalid(`the tokenizer library cannot build one from it (model type ${printableName(String(json.model.type ?? 'missing'), 40)})`)
  }
  return ok(promptTokenizer(tok, json, spec))
}

/** As checkTokenizer, with the problem as the error users see. */
export function openTokenizer(dir: string, spec: TextEncoderSpec['tokenizer'], field?: string): Result<PromptTokenizer> {
  const r = checkTokenizer(dir, spec, field)
  if (r.ok) return r
  if (r.error.kind === 'file') return err(badModel(dir, [r.error.problem]))
  return err(
    studioError(
      'model.invalid',
      `${printableName(spec.file)} in ${dir} is not a valid tokenizer: ${r.error.reason}.`,
      'Re-download the model, or rebuild its tokenizer; `kontext models validate <folder>` lists every problem.',
    ),
  )
}

/** The throwing form, for callers that unwind with a StudioError. */
export function loadTokenizer(dir: string, spec: TextEncoderSpec['tokenizer'], field?: string): PromptTokenizer {
  const r = openTokenizer(dir, spec, field)
  if (!r.ok) throw new StudioError(r.error)
  return r.value
}

function promptTokenizer(tok: Tokenizer, json: TokenizerJson, spec: TextEncoderSpec['tokenizer']): PromptTokenizer {
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

/**
 * FLUX's tokenizers in the diffusers release's own files (`format` clip-bpe / t5-unigram): the
 * engine's CLIP BPE and T5 Unigram tokenizers, which pad and truncate themselves. Their length
 * and pad id must be the manifest's, so the ids the graphs see are what the manifest declares.
 */
function fluxTokenizer(
  spec: TextEncoderSpec['tokenizer'],
  path: string,
  invalid: (reason: string) => Result<PromptTokenizer, TokenizerProblem>,
): Result<PromptTokenizer, TokenizerProblem> {
  let encode: (prompt: string) => number[]
  let padId: number
  try {
    if (spec.format === 'clip-bpe') {
      const t = loadClipTokenizerDir(dirname(path))
      if (t.maxLength !== spec.maxLength) return invalid(`CLIP pads to ${t.maxLength} tokens, the manifest says ${spec.maxLength}`)
      ;({ padId } = t)
      encode = (p) => t.encode(p)
    } else {
      const text = readText(path)
      if (text === null) return invalid('it cannot be read (check its permissions)')
      const t = createT5Tokenizer(JSON.parse(text) as unknown, { maxLength: spec.maxLength })
      ;({ padId } = t)
      encode = (p) => t.encode(p)
    }
  } catch (e) {
    // Both loaders' messages name the file's part that is wrong, never its contents.
    return invalid(e instanceof SyntaxError ? `it is not valid JSON${jsonErrorWhere(e)}` : printableName(String((e as Error).message), 200))
  }
  if (padId !== spec.padId) return invalid(`its pad id is ${padId}, the manifest says ${spec.padId}`)
  if (spec.padding !== 'max_length') return invalid('FLUX\u2019s tokenizers always pad to their length (padding must be max_length)')
  return ok({
    vocabulary: null,
    allPad: () => new Array<number>(spec.maxLength).fill(spec.padId),
    encode: (prompt) => ok(encode(prompt)),
  })
}

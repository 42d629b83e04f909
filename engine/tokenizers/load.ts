/**
 * Reads tokenizer files from a model folder. The file names are fixed here (never taken from a
 * manifest or message), so every read stays inside the folder given.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createClipTokenizer, type ClipTokenizer } from './clipTokenizer'
import { CLIP_EOS, CLIP_MERGE_COUNT, clipVocabFromMerges, parseMerges } from './clipVocab'
import { createT5Tokenizer, type T5Tokenizer } from './t5Tokenizer'

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown
  } catch {
    throw new Error(`${what} is not readable JSON; replace it with the file from the model's release.`)
  }
}

/** `pad_token` from tokenizer_config.json / special_tokens_map.json (a string or `{content}`), if any. */
function padTokenOf(dir: string): string | undefined {
  for (const name of ['tokenizer_config.json', 'special_tokens_map.json']) {
    const path = join(dir, name)
    if (!existsSync(path)) continue
    const pad = (readJson(path, `tokenizer/${name}`) as { pad_token?: unknown } | null)?.pad_token
    if (typeof pad === 'string') return pad
    if (pad && typeof pad === 'object' && typeof (pad as { content?: unknown }).content === 'string')
      return (pad as { content: string }).content
  }
  return undefined
}

/** The diffusers `tokenizer/` folder: vocab.json + merges.txt (+ the pad token its config names). */
export function loadClipTokenizerDir(dir: string): ClipTokenizer {
  const vocabPath = join(dir, 'vocab.json')
  const mergesPath = join(dir, 'merges.txt')
  if (!existsSync(vocabPath) || !existsSync(mergesPath)) {
    throw new Error('The CLIP tokenizer folder needs vocab.json and merges.txt (the `tokenizer/` folder of the diffusers release).')
  }
  const vocab = readJson(vocabPath, 'tokenizer/vocab.json')
  if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab) || !Object.values(vocab).every((v) => Number.isInteger(v))) {
    throw new Error('tokenizer/vocab.json must map tokens to integer ids.')
  }
  const merges = parseMerges(readFileSync(mergesPath, 'utf8'))
  return createClipTokenizer(vocab as Record<string, number>, merges, { padToken: padTokenOf(dir) ?? CLIP_EOS })
}

/** openai/CLIP's gzipped merges file alone (the vocabulary follows from it). */
export function loadClipTokenizerFromBpeGz(path: string): ClipTokenizer {
  const merges = parseMerges(gunzipSync(readFileSync(path)).toString('utf8'), CLIP_MERGE_COUNT)
  return createClipTokenizer(clipVocabFromMerges(merges), merges)
}

/** The diffusers `tokenizer_2/` folder (or any folder) holding T5's Unigram tokenizer.json. */
export function loadT5TokenizerDir(dir: string): T5Tokenizer {
  const path = join(dir, 'tokenizer.json')
  if (!existsSync(path))
    throw new Error('The T5 tokenizer folder needs tokenizer.json (the `tokenizer_2/` folder of the diffusers release).')
  return createT5Tokenizer(readJson(path, 'tokenizer_2/tokenizer.json'))
}

/**
 * Finds FLUX's tokenizers in a folder by content: a `vocab.json` + `merges.txt` pair whose
 * vocabulary has CLIP's specials (the diffusers `tokenizer/`), and a `tokenizer.json` whose model is
 * Unigram with `</s>` and `<pad>` (the diffusers `tokenizer_2/`, T5). Only cheap checks: the files
 * are parsed, the tokenizers are not built.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'

export interface TokenizerFound {
  readonly kind: 'clip' | 't5'
  /** `folder`: the model folder's own files; `bundled`: the CLIP merges shipped with the studio. */
  readonly source: 'folder' | 'bundled'
  /** Folder (relative) holding the files, or the bundled file's name. */
  readonly where: string
  readonly problems: readonly string[]
}

const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024

function readJson(file: string): unknown {
  if (statSync(file).size > MAX_TOKENIZER_BYTES) return undefined
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown
  } catch {
    return undefined
  }
}

export function scanClipTokenizer(vocabFile: string, relative: (p: string) => string): TokenizerFound | undefined {
  const dir = dirname(vocabFile)
  if (!existsSync(join(dir, 'merges.txt'))) return undefined
  const vocab = readJson(vocabFile) as Record<string, unknown> | undefined
  if (!vocab || typeof vocab !== 'object')
    return { kind: 'clip', source: 'folder', where: relative(dir), problems: ['vocab.json is not readable JSON.'] }
  if (!('<|startoftext|>' in vocab) || !('<|endoftext|>' in vocab)) return undefined
  const problems: string[] = []
  if (vocab['<|startoftext|>'] !== 49406 || vocab['<|endoftext|>'] !== 49407)
    problems.push('its special tokens are not at CLIP’s ids 49406/49407.')
  return { kind: 'clip', source: 'folder', where: relative(dir), problems }
}

export function scanTokenizerJson(file: string, relative: (p: string) => string): TokenizerFound | undefined {
  const json = readJson(file) as { model?: { type?: unknown; vocab?: unknown } } | undefined
  if (json?.model?.type !== 'Unigram' || !Array.isArray(json.model.vocab)) return undefined
  const pieces = new Set((json.model.vocab as unknown[]).map((e) => (Array.isArray(e) ? e[0] : undefined)))
  const problems: string[] = []
  if (!pieces.has('</s>')) problems.push('it has no “</s>” piece.')
  if (!pieces.has('<pad>')) problems.push('it has no “<pad>” piece.')
  return { kind: 't5', source: 'folder', where: relative(dirname(file)), problems }
}

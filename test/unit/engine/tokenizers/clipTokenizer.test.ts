import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { CLIP_MERGE_COUNT, clipVocabFromMerges, parseMerges } from '../../../../engine/tokenizers/clipVocab'
import { loadClipTokenizerDir, loadClipTokenizerFromBpeGz } from '../../../../engine/tokenizers/load'

const BPE_GZ = 'assets/tokenizers/clip-l/bpe_simple_vocab_16e6.txt.gz'
interface GoldenCase {
  text: string
  ids: number[]
}
const golden = (JSON.parse(readFileSync('test/fixtures/clip-bpe/golden_ids.json', 'utf8')) as { cases: GoldenCase[] }).cases

const tmp = mkdtempSync(join(tmpdir(), 'clip-tok-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** The diffusers `tokenizer/` layout, written the way transformers saves it (vocab.json + merges.txt with its header). */
function diffusersTokenizerDir(padToken: string | { content: string } | undefined): string {
  const dir = mkdtempSync(join(tmp, 'tokenizer-'))
  const merges = parseMerges(gunzipSync(readFileSync(BPE_GZ)).toString('utf8'), CLIP_MERGE_COUNT)
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(clipVocabFromMerges(merges)))
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n' + merges.map(([a, b]) => `${a} ${b}`).join('\n') + '\n')
  if (padToken !== undefined)
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: padToken, model_max_length: 77 }))
  return dir
}

describe('CLIP-L tokenizer', () => {
  const fromMerges = loadClipTokenizerFromBpeGz(BPE_GZ)
  const fromDiffusers = loadClipTokenizerDir(diffusersTokenizerDir({ content: '<|endoftext|>' }))

  it('has CLIP’s 49,408-entry vocabulary with the specials at 49406/49407', () => {
    expect(fromMerges.bosId).toBe(49406)
    expect(fromMerges.eosId).toBe(49407)
    expect(fromDiffusers.padId).toBe(49407)
  })

  it.each(golden.map((c) => [JSON.stringify(c.text).slice(0, 48), c] as const))('reproduces the reference ids for %s', (_, c) => {
    expect(fromMerges.encodeRaw(c.text)).toEqual(c.ids)
    expect(fromDiffusers.encodeRaw(c.text)).toEqual(c.ids)
  })

  it('pads to 77 with the pad token', () => {
    const ids = fromDiffusers.encode('a photo of a cat')
    expect(ids).toHaveLength(77)
    expect(ids.slice(0, 7)).toEqual(golden[0]!.ids)
    expect(ids.slice(7).every((id) => id === 49407)).toBe(true)
    expect(fromDiffusers.encode('')).toEqual([49406, ...new Array<number>(76).fill(49407)])
  })

  it('truncates a long prompt to 77 keeping the end token', () => {
    const long = golden.find((c) => c.ids.length > 77)!
    const ids = fromDiffusers.encode(long.text)
    expect(ids).toHaveLength(77)
    expect(ids.slice(0, 76)).toEqual(long.ids.slice(0, 76))
    expect(ids[76]).toBe(49407)
  })

  it('uses the pad token the folder names', () => {
    const bangPad = loadClipTokenizerDir(diffusersTokenizerDir('!'))
    expect(bangPad.encode('cat').slice(3)).toEqual(new Array<number>(74).fill(0))
  })

  it('says which files a tokenizer folder lacks', () => {
    const dir = mkdtempSync(join(tmp, 'empty-'))
    expect(() => loadClipTokenizerDir(dir)).toThrow(/vocab\.json and merges\.txt/)
    writeFileSync(join(dir, 'vocab.json'), '{"a": "not an id"}')
    writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n')
    expect(() => loadClipTokenizerDir(dir)).toThrow(/integer ids/)
  })
})

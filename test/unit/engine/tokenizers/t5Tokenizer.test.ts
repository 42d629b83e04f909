import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadT5TokenizerDir } from '../../../../engine/tokenizers/load'
import { createT5Tokenizer } from '../../../../engine/tokenizers/t5Tokenizer'
import { T5_TEST_PIECES as PIECES, t5TokenizerJson as t5Json } from '../../../support/t5TokenizerJson'

const tmp = mkdtempSync(join(tmpdir(), 't5-tok-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('T5 Unigram tokenizer', () => {
  writeFileSync(join(tmp, 'tokenizer.json'), JSON.stringify(t5Json()))
  const tok = loadT5TokenizerDir(tmp)

  it('segments by the best-scoring pieces and ends with </s>', () => {
    // ▁cat (-5) beats ▁c + at (-8); ▁re + d (-4) beats ▁red (-6).
    expect(tok.encodeRaw('a photo of a cat')).toEqual([4, 5, 6, 4, 7, 1])
    expect(tok.encodeRaw('red cats')).toEqual([12, 13, 7, 10, 1])
  })

  it('normalises full-width letters and runs of spaces as the Precompiled normaliser does', () => {
    expect(tok.encodeRaw('ａ   cat')).toEqual([4, 7, 1])
  })

  it('maps unknown characters to <unk>', () => {
    expect(tok.encodeRaw('a x')).toEqual([4, 3, 2, 1])
  })

  it('pads with 0 to 512', () => {
    const ids = tok.encode('a cat')
    expect(ids).toHaveLength(512)
    expect(ids.slice(0, 3)).toEqual([4, 7, 1])
    expect(ids.slice(3).every((id) => id === 0)).toBe(true)
    expect(tok.encode('')).toEqual([1, ...new Array<number>(511).fill(0)])
  })

  it('truncates keeping </s> last', () => {
    const ids = tok.encode(new Array(600).fill('cat').join(' '))
    expect(ids).toHaveLength(512)
    expect(ids.slice(0, 511).every((id) => id === 7)).toBe(true)
    expect(ids[511]).toBe(1)
    const short = createT5Tokenizer(t5Json(), { maxLength: 4 })
    expect(short.encode('a photo of a cat')).toEqual([4, 5, 6, 1])
  })

  it('appends </s> even when the file has no post-processor', () => {
    expect(createT5Tokenizer(t5Json(false)).encodeRaw('a cat')).toEqual([4, 7, 1])
  })

  it('refuses a file that is not a T5 Unigram tokenizer, saying why', () => {
    expect(() => createT5Tokenizer({ model: { type: 'BPE', vocab: {} } })).toThrow(/Unigram/)
    const noEos = t5Json()
    ;(noEos.model as { vocab: [string, number][] }).vocab = PIECES.filter(([p]) => p !== '</s>')
    expect(() => createT5Tokenizer(noEos)).toThrow(/“<\/s>”/)
    expect(() => loadT5TokenizerDir(join(tmp, 'missing'))).toThrow(/tokenizer_2/)
  })
})

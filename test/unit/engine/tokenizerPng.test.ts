/** The bundled tokenizer against the reference ids, and generation metadata in PNG text chunks. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { decodeRgb, encodeRgbPng } from '../../../engine/image/imageIo'
import { addPngText, readPngText } from '../../../engine/image/pngText'
import { loadTokenizer } from '../../../engine/tokenizer'
import { goldenDir, tinyModelDir } from '../../fixtures/engine/paths'

const spec = { file: 'tokenizer.json', maxLength: 12, padding: 'max_length' as const, padId: 0, closedVocabulary: true }
const cases = (JSON.parse(readFileSync(join(goldenDir, 'cases.json'), 'utf8')) as { cases: { prompt: string; tokens: number[] }[] }).cases

describe('kontext-tiny tokenizer', () => {
  const tok = loadTokenizer(tinyModelDir, spec)

  it.each(cases.map((c) => [c.prompt, c.tokens] as const))('“%s” gives the reference ids', (prompt, tokens) => {
    expect(tok.encode(prompt)).toEqual({ ok: true, value: tokens })
  })

  it('lower-cases and splits on any whitespace', () => {
    expect(tok.encode('  Make THE\tyellow ring green ')).toEqual(tok.encode('make the yellow ring green'))
  })

  it('reads punctuation as the prompt bar does: a trailing period or “!!!” is not a word', () => {
    expect(tok.encode('Make the yellow ring green.')).toEqual(tok.encode('make the yellow ring green'))
    expect(tok.encode('make the yellow ring green!!!')).toEqual(tok.encode('make the yellow ring green'))
  })

  it('never echoes a pasted wall of text: unknown words are elided', () => {
    const r = tok.encode(`make the ${'x'.repeat(100_000)} green`)
    if (r.ok) throw new Error('should refuse')
    expect(r.error.message.length).toBeLessThan(200)
  })

  it('refuses unknown words and lists the words it knows', () => {
    const r = tok.encode('make the shoe sparkly red')
    if (r.ok) throw new Error('should refuse')
    expect(r.error.code).toBe('prompt.unknownWords')
    expect(r.error.message).toContain('“shoe”, “sparkly”')
    expect(r.error.hint).toContain('triangle')
    expect(tok.encode('<pad> ring').ok).toBe(false) // specials are not words
  })

  it('refuses prompts longer than the model reads, and builds the all-pad prompt', () => {
    expect(tok.encode(Array(13).fill('red').join(' '))).toMatchObject({ ok: false, error: { code: 'prompt.tooLong' } })
    expect(tok.allPad()).toEqual(Array(12).fill(0))
    expect(tok.vocabulary).toHaveLength(43)
  })
})

describe('PNG generation metadata', () => {
  it('round-trips text (UTF-8 included) through a PNG that still decodes to the same pixels', async () => {
    const rgb = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256)
    const text = { prompt: 'mache den Ring grün — “quotes”', seed: '42', model: 'kontext-tiny', contexts: 'ab12' }
    const png = await encodeRgbPng(rgb, 4, 3, text)
    expect(readPngText(png)).toEqual(text)
    const back = await decodeRgb(png)
    expect([back.width, back.height]).toEqual([4, 3])
    expect(back.rgb).toEqual(rgb)
  })

  it('reads plain tEXt chunks written by other tools and refuses non-PNG bytes', () => {
    const png = new Uint8Array(readFileSync(join(goldenDir, 'c0_output.png')))
    expect(readPngText(addPngText(png, { a: 'b' }))).toMatchObject({ a: 'b' })
    expect(() => readPngText(new Uint8Array([1, 2, 3]))).toThrow(/not a PNG/)
    expect(() => addPngText(png, { 'bad\nkey': 'x' })).toThrow(/keyword/)
  })
})

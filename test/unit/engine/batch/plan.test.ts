/** The batch plan: which files are items, the key each result is stored under, output names. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BatchSettings, listInputs, outputName, planBatch, resultKey, seedFor } from '../../../../engine/batch/plan'

const dir = mkdtempSync(join(tmpdir(), 'kontext-plan-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const settings: BatchSettings = {
  prompt: 'change the background to white',
  model: 'kontext-tiny',
  steps: 2,
  guidance: 1,
  refs: [],
  seed: null,
}
const hash = 'a'.repeat(64)

describe('result keys', () => {
  it('are the same for the same input and settings, and differ when anything that shapes the result differs', () => {
    const k = resultKey(hash, settings)
    expect(resultKey(hash, { ...settings })).toBe(k)
    const variants: BatchSettings[] = [
      { ...settings, prompt: 'make the square red' },
      { ...settings, model: 'other' },
      { ...settings, steps: 3 },
      { ...settings, guidance: 2 },
      { ...settings, seed: 7 },
      { ...settings, refs: ['b'.repeat(64)] },
    ]
    const keys = new Set([k, resultKey('c'.repeat(64), settings), ...variants.map((v) => resultKey(hash, v))])
    expect(keys.size).toBe(variants.length + 2)
  })

  it('differ with a region mask, and between two masks, so another region preset never reuses a result', () => {
    const whole = resultKey(hash, settings)
    const background = resultKey(hash, settings, 'd'.repeat(64))
    const centre = resultKey(hash, settings, 'e'.repeat(64))
    expect(new Set([whole, background, centre]).size).toBe(3)
    expect(resultKey(hash, settings, 'd'.repeat(64))).toBe(background)
    // No mask is the whole image's key as before (results stored before presets keep their keys).
    expect(resultKey(hash, settings, undefined)).toBe(whole)
  })

  it('without --seed, derive each item’s seed from its input, so a re-submission gets the same keys', () => {
    expect(seedFor(hash, null)).toBe(seedFor(hash, null))
    expect(seedFor(hash, null)).not.toBe(seedFor('0123456789'.repeat(6) + 'abcd', null))
    expect(seedFor(hash, 42)).toBe(42)
  })

  it('settings refuse a model given as a path and hashes that are not sha256 hex', () => {
    expect(BatchSettings.safeParse({ ...settings, model: '../models/x' }).success).toBe(false)
    expect(BatchSettings.safeParse({ ...settings, refs: ['/etc/passwd'] }).success).toBe(false)
  })
})

describe('the input folder', () => {
  it('lists images sorted by name (not hidden files or other files), and keys identical files alike', () => {
    const d = join(dir, 'a')
    for (const [n, body] of [
      ['b.jpg', 'x'],
      ['a.png', 'x'],
      ['notes.txt', 'y'],
      ['.hidden.png', 'z'],
    ] as const) {
      writeFileSync(join(mkdir(d), n), body)
    }
    const files = listInputs(d)
    expect(files.ok && files.value.map((f) => f.name)).toEqual(['a.png', 'b.jpg'])
    if (!files.ok) return
    const plan = planBatch(files.value, settings)
    expect(plan[0]?.key).toBe(plan[1]?.key)
    expect(outputName('b.jpg')).toBe('b.png')
  })

  it('says so when two inputs would be written under one name, or there are no images', () => {
    const d = join(dir, 'clash')
    writeFileSync(join(mkdir(d), 'shoe.jpg'), 'x')
    writeFileSync(join(d, 'shoe.png'), 'y')
    const r = listInputs(d)
    expect(!r.ok && r.error).toMatchObject({ code: 'file.nameClash' })
    const empty = mkdir(join(dir, 'empty'))
    expect(listInputs(empty)).toMatchObject({ ok: false, error: { code: 'file.noImages' } })
    expect(listInputs(join(dir, 'missing'))).toMatchObject({ ok: false, error: { code: 'file.notFound' } })
  })
})

function mkdir(d: string): string {
  mkdirSync(d, { recursive: true })
  return d
}

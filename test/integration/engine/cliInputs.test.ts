/**
 * `kontext generate|edit` checks what it is given before any model work: numbers within the
 * studio's limits, a prompt that says something, an `--out` it can write, and input images
 * within the import limits (each refusal its own sentence naming the file) — and it never echoes
 * escape sequences or huge words raw.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../fixtures/engine/runCli'
import { goldenDir } from '../../fixtures/engine/paths'
import { solidGreyPng } from '../../support/solidPng'

const dir = mkdtempSync(join(tmpdir(), 'kontext-cli-inputs-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cli = (...argv: string[]) => runCli(dir, ...argv)
const context = join(goldenDir, 'c2_context.png')
const ESC = '\u001b'
const BEL = '\u0007'
const CSI = '\u009b'

/** Nothing a terminal would obey: no ESC, BEL or C1 CSI anywhere in what the CLI printed. */
const hasControls = (text: string): boolean => text.includes(ESC) || text.includes(BEL) || text.includes(CSI)

describe('kontext refuses bad numbers, prompts and --out before it works', () => {
  it.each([
    [['--steps', '1000'], '--steps must be an integer from 1 to 200, got “1000”.'],
    [['--guidance', 'Infinity'], '--guidance must be a number from 0 to 30, got “Infinity”.'],
    [['--seed', '4294967296'], '--seed must be an integer from 0 to 4294967295, got “4294967296”.'],
    [['--width', '99999', '--height', '64'], '--width must be an integer from 16 to 4096, got “99999”.'],
    [['--steps', '2.5'], '--steps must be an integer from 1 to 200, got “2.5”.'],
    [['--guidance', ''], '--guidance must be a number from 0 to 30, got “”.'],
  ])('%j is refused with the allowed range (exit 2)', async (flags, sentence) => {
    const r = await cli('generate', '--prompt', 'a ring', '--out', 'never.png', ...flags)
    expect(r.code).toBe(2)
    expect(r.err).toContain(sentence)
    expect(readdirSync(dir)).not.toContain('never.png')
  })

  it.each([
    [['--guidance', '50'], '--guidance must be a number from 0 to 30, got “50”.'],
    [['--steps', '1000'], '--steps must be an integer from 1 to 200, got “1000”.'],
  ])('kontext batch holds to the same limits: %j (exit 2)', async (flags, sentence) => {
    const r = await cli('batch', '--in', dir, '--prompt', 'a ring', '--out', join(dir, 'batch-out'), ...flags)
    expect(r.code).toBe(2)
    expect(r.err).toContain(sentence)
  })

  it('refuses a prompt of only spaces like an empty one', async () => {
    const r = await cli('generate', '--prompt', '   \t  ', '--out', 'blank.png')
    expect(r.code).toBe(2)
    expect(r.err).toContain('--prompt is empty.')
    expect(readdirSync(dir)).not.toContain('blank.png')
  })

  it('finds an --out it cannot write before the run, in words rather than errno text', async () => {
    writeFileSync(join(dir, 'plain-file'), 'x')
    mkdirSync(join(dir, 'a-folder'), { recursive: true })
    const underFile = await cli('generate', '--prompt', 'a ring', '--out', 'plain-file/out.png', '--provider', 'cpu')
    expect(underFile.code).toBe(3)
    expect(underFile.err).toMatch(/^kontext: Cannot write --out “plain-file\/out\.png”: “.*plain-file” is a file, not a folder\./)
    const intoFolder = await cli('generate', '--prompt', 'a ring', '--out', 'a-folder', '--provider', 'cpu')
    expect(intoFolder.code).toBe(3)
    expect(intoFolder.err).toContain('Cannot write --out “a-folder”: it is a folder.')
    for (const r of [underFile, intoFolder]) {
      expect(r.err).not.toMatch(/ENOTDIR|EISDIR|EACCES|errno/)
      expect(r.out).toBe('')
    }
  })
})

describe('kontext never echoes what it was given raw', () => {
  it('refuses a 100 KB prompt by its length without printing it', async () => {
    const r = await cli('generate', '--prompt', 'x'.repeat(100_000), '--provider', 'cpu')
    expect(r.code).toBe(2)
    expect(r.err).toContain('--prompt has 100000 characters; the limit is 2000.')
    expect(r.err.length).toBeLessThan(300)
  })

  it('escapes terminal sequences and elides a long unknown word', async () => {
    const evil = `a ${ESC}]0;pwned${BEL} ring ${ESC}[2J ${CSI}31m ${'q'.repeat(1500)}`
    const r = await cli('generate', '--prompt', evil, '--provider', 'cpu', '--seed', '1', '--steps', '2')
    expect(r.code).toBe(6)
    expect(hasControls(r.err)).toBe(false)
    // The model reads words as letters and digits only: the sequences' bytes separate words, and
    // what is echoed is those words, the long one elided.
    expect(r.err).toContain('“pwned”')
    expect(r.err).toMatch(/“q+…”/)
    expect(r.err).not.toContain('q'.repeat(100))
    const json = await cli('generate', '--prompt', evil, '--provider', 'cpu', '--seed', '1', '--steps', '2', '--json')
    expect(hasControls(JSON.parse(json.out).error.message as string)).toBe(false)
  })

  it('escapes an unknown option or command', async () => {
    const option = await cli('generate', `--${ESC}[31mred`)
    expect(option.code).toBe(2)
    expect(hasControls(option.err)).toBe(false)
    const command = await cli(`${ESC}[2Jwipe`)
    expect(command.code).toBe(2)
    expect(hasControls(command.err)).toBe(false)
    expect(command.err).toContain('\\x1b[2Jwipe')
  })
})

describe('kontext edit checks its images as the studio’s import does', () => {
  const files: Record<string, string> = {}
  beforeAll(async () => {
    const inputs = join(dir, 'inputs')
    mkdirSync(inputs, { recursive: true })
    const write = (name: string, bytes: Uint8Array | string) => {
      writeFileSync(join(inputs, name), bytes)
      return (files[name] = join(inputs, name))
    }
    write('notes.txt', 'hello, this is text')
    write('empty.png', new Uint8Array(0))
    const whole = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#123456' } })
      .png({ compressionLevel: 0 })
      .toBuffer()
    write('cut.png', whole.subarray(0, Math.floor(whole.length / 2)))
    // 300 MB on disk without writing 300 MB: a sparse file, refused from its size alone.
    truncateSync(write('heavy.png', whole), 300 * 2 ** 20)
    // The reproduction: a valid 30000² PNG (decoded whole before the fix).
    write('vast.png', await solidGreyPng(30000, 30000, 128))
    write('logo.svg', '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    write(`${ESC}[31mevil.png`, 'not a picture')
  })

  it('gives each of the six refusals its own sentence naming the file (exit 3)', async () => {
    const expected: [string, string][] = [
      ['notes.txt', '“notes.txt” is not an image the studio can open.'],
      ['empty.png', '“empty.png” is empty (0 bytes).'],
      ['cut.png', '“cut.png” is damaged or incomplete (PNG data ends early or is invalid).'],
      ['heavy.png', '“heavy.png” is 300 MB; the limit is 256 MB a file.'],
      ['vast.png', '“vast.png” is 30000×30000 px; the limit is 16384 px a side.'],
      ['logo.svg', '“logo.svg” is in SVG format, which the studio does not open.'],
    ]
    const seen = new Set<string>()
    for (const [name, sentence] of expected) {
      const r = await cli('edit', '--in', files[name] as string, '--prompt', 'make it red', '--provider', 'cpu', '--out', 'no.png')
      expect(r.code, name).toBe(3)
      expect(r.err, name).toContain(sentence)
      // The base name only: the folder the file lives in is not the message's business.
      expect(r.err, name).not.toContain(join(dir, 'inputs', name))
      seen.add(r.err.split('\n')[0] as string)
    }
    expect(seen.size).toBe(expected.length)
    expect(readdirSync(dir)).not.toContain('no.png')
  })

  it('checks --ref the same way and escapes a hostile file name', async () => {
    const ref = await cli('edit', '--in', context, '--ref', files['vast.png'] as string, '--prompt', 'make it red', '--provider', 'cpu')
    expect(ref.code).toBe(3)
    expect(ref.err).toContain('“vast.png” is 30000×30000 px')
    const evil = await cli('edit', '--in', files[`${ESC}[31mevil.png`] as string, '--prompt', 'make it red', '--provider', 'cpu')
    expect(evil.code).toBe(3)
    expect(hasControls(evil.err)).toBe(false)
    expect(evil.err).toContain('“\\x1b[31mevil.png” is not an image the studio can open.')
  })
})

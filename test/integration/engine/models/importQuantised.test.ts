/**
 * A folder imported with `kontext models import` is a model the engine lists and runs under the
 * record's id (its store folder holds only install.json), and `--quantise int4|int8` is recorded,
 * shown on the card and used: the engine says how many weight MatMuls it built as MatMulNBits,
 * and the edit differs from the float32 one on the same seed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../fixtures/engine/runCli'
import { TINY } from '../../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../../support/fluxFolders'
import { TWIN_CONFIG } from '../../../support/quantiseTwins'

const work = mkdtempSync(join(tmpdir(), 'kontext-import-q-'))
const folder = join(work, 'disk', 'twin')
const cli = (...argv: string[]) => runCli(work, ...argv)
const savedHome = process.env.KONTEXT_STUDIO_HOME

beforeAll(async () => {
  process.env.KONTEXT_STUDIO_HOME = join(work, 'home')
  writeOfficialRelease(folder, TINY)
  writeFileSync(join(folder, 'kontext.json'), JSON.stringify(TWIN_CONFIG))
  const rgb = Buffer.alloc(40 * 28 * 3)
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) % 251
  await sharp(rgb, { raw: { width: 40, height: 28, channels: 3 } })
    .png()
    .toFile(join(work, 'in.png'))
})
afterAll(() => {
  if (savedHome === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = savedHome
  rmSync(work, { recursive: true, force: true })
})

const edit = (model: string, out: string) =>
  cli('edit', '--model', model, '--in', 'in.png', '--prompt', 'a red cat', '--seed', '5', '--steps', '2', '--provider', 'cpu', '--out', out)

describe('kontext models import, then the engine', () => {
  it('refuses an unknown quantisation and records nothing', async () => {
    const r = await cli('models', 'import', folder, '--id', 'twin-bad', '--quantise', 'int3')
    expect(r.code).not.toBe(0)
    expect(r.err).toContain('--quantise takes int8 or int4')
    expect(existsSync(join(work, 'home', 'models', 'twin-bad'))).toBe(false)
  })

  it('a linked folder is listed by the engine under its id, once, and edits', async () => {
    expect((await cli('models', 'import', folder, '--id', 'twin')).code).toBe(0)
    const list = JSON.parse((await cli('models', 'list', '--json')).out) as {
      models: { id: string }[]
      cards: { id: string; precision: string }[]
    }
    expect(list.models.map((m) => m.id)).toContain('twin')
    expect(list.cards.filter((c) => c.id === 'twin')).toHaveLength(1)
    const r = await edit('twin', 'plain.png')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/\(48×32, seed 5, 2 steps, \d+ ms on cpu\)/)
    expect(r.err).not.toContain('MatMulNBits')
  })

  it('--quantise int4 is recorded, on the card, and used by the engine', async () => {
    const imp = await cli('models', 'import', folder, '--id', 'twin-q4', '--quantise', 'int4')
    expect(imp.code, imp.err).toBe(0)
    expect(imp.out).toContain('quantised: int4 weights (MatMulNBits, 4-bit, blocks of 32)')
    const record = JSON.parse(readFileSync(join(work, 'home', 'models', 'twin-q4', 'install.json'), 'utf8')) as { quantise?: string }
    expect(record.quantise).toBe('int4')
    const list = JSON.parse((await cli('models', 'list', '--json')).out) as { cards: { id: string; precision: string }[] }
    expect(list.cards.find((c) => c.id === 'twin-q4')?.precision).toMatch(/int4 weights \(MatMulNBits/)
    const r = await edit('twin-q4', 'q4.png')
    expect(r.code, r.err).toBe(0)
    expect(r.err).toMatch(/transformer: [1-9]\d* of [1-9]\d* weight MatMuls as 4-bit MatMulNBits/)
    expect(r.err).toMatch(/t5: [1-9]\d* of \d+ weight MatMuls as 4-bit MatMulNBits/)
    const [plain, q4] = await Promise.all(['plain.png', 'q4.png'].map((f) => sharp(join(work, f)).raw().toBuffer()))
    expect(q4!.length).toBe(plain!.length)
    expect(q4!.equals(plain!)).toBe(false)
  })
})

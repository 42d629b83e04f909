/**
 * `kontext edit` with several inputs, on the bundled kontext-tiny: one process edits every input
 * (files and folders), writes each result into --out under its input's name, byte for byte what
 * a single `kontext edit` with that item's seed writes, and reports an input it cannot use
 * without stopping the others.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../fixtures/engine/runCli'
import { goldenDir } from '../../fixtures/engine/paths'

const dir = mkdtempSync(join(tmpdir(), 'kontext-cli-many-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const cli = (...argv: string[]) => runCli(dir, ...argv)
const EDIT = ['--prompt', 'remove the blue square', '--steps', '4', '--provider', 'cpu']

interface ManyReport {
  ok: boolean
  total: number
  done: number
  failed: number
  items: ({ name: string; ok: true; out: string; seed: number } | { name: string; ok: false; error: { code: string; message: string } })[]
}

describe('kontext edit with many inputs', () => {
  const inputs = ['c2_context.png', 'c3_context.png', 'c4_context.png'].map((n) => join(goldenDir, n))

  it('edits three inputs in one process, each the same bytes as a single run with its seed', async () => {
    const many = await cli('edit', ...inputs.flatMap((p) => ['--in', p]), ...EDIT, '--out', 'many', '--json')
    expect(many.code).toBe(0)
    const report = JSON.parse(many.out) as ManyReport
    expect(report).toMatchObject({ ok: true, total: 3, done: 3, failed: 0 })
    expect(readdirSync(join(dir, 'many')).sort()).toEqual(['c2_context.png', 'c3_context.png', 'c4_context.png'])
    const seeds = new Set<number>()
    for (const item of report.items) {
      if (!item.ok) throw new Error(`${item.name} failed: ${item.error.message}`)
      seeds.add(item.seed)
      const single = await cli(
        'edit',
        '--in',
        join(goldenDir, item.name),
        ...EDIT,
        '--seed',
        String(item.seed),
        '--out',
        `single-${item.name}`,
      )
      expect(single.code).toBe(0)
      expect(readFileSync(join(dir, 'many', item.name)).equals(readFileSync(join(dir, `single-${item.name}`)))).toBe(true)
    }
    // Without --seed each input gets its own seed (from its content), as kontext batch does.
    expect(seeds.size).toBe(3)
  })

  it('takes a folder, reports an input it cannot use by name, runs the rest and exits 1', async () => {
    mkdirSync(join(dir, 'shots'))
    copyFileSync(inputs[0] as string, join(dir, 'shots', 'a.png'))
    copyFileSync(inputs[1] as string, join(dir, 'shots', 'b.png'))
    writeFileSync(join(dir, 'shots', 'broken.png'), 'not an image at all')
    const r = await cli('edit', '--in', 'shots', '--in', 'missing.png', ...EDIT, '--seed', '7', '--out', 'mixed', '--json')
    expect(r.code).toBe(1)
    const report = JSON.parse(r.out) as ManyReport
    expect(report).toMatchObject({ ok: false, total: 4, done: 2, failed: 2 })
    expect(report.items.map((i) => [i.name, i.ok])).toEqual([
      ['a.png', true],
      ['b.png', true],
      ['broken.png', false],
      ['missing.png', false],
    ])
    const reasons = report.items.flatMap((i) => (i.ok ? [] : [i.error.message]))
    expect(reasons[0]).toContain('broken.png')
    expect(reasons[1]).toBe('--in missing.png: no such file.')
    expect(readdirSync(join(dir, 'mixed')).sort()).toEqual(['a.png', 'b.png'])
  })

  it('a single --in with --out FILE keeps writing that file', async () => {
    const r = await cli('edit', '--in', inputs[0] as string, ...EDIT, '--seed', '2', '--out', 'one.png')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/^wrote one\.png \(64×64, seed 2, 4 steps/)
  })

  it('refuses before any work: no --out, an --out that is a file or named like one, two inputs with one output name', async () => {
    const noOut = await cli('edit', '--in', inputs[0] as string, '--in', inputs[1] as string, ...EDIT)
    expect(noOut.code).toBe(2)
    expect(noOut.err).toContain('edit with several inputs needs --out DIR')
    writeFileSync(join(dir, 'taken'), 'x')
    const outFile = await cli('edit', '--in', inputs[0] as string, '--in', inputs[1] as string, ...EDIT, '--out', 'taken')
    expect(outFile.code).toBe(3)
    expect(outFile.err).toContain('is a file, not a folder')
    const asImage = await cli('edit', '--in', goldenDir, ...EDIT, '--out', 'edited.png')
    expect(asImage.code).toBe(2)
    expect(asImage.err).toContain('With several inputs --out is a folder, not an image file')
    expect(existsSync(join(dir, 'edited.png'))).toBe(false)
    const twice = await cli('edit', '--in', inputs[0] as string, '--in', inputs[0] as string, ...EDIT, '--out', 'twice')
    expect(twice.code).toBe(3)
    expect(twice.err).toContain('Two inputs would both be written as “c2_context.png”')
    expect(existsSync(join(dir, 'twice'))).toBe(false)
  })
})

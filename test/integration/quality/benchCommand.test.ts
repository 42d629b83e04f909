/**
 * `kontext bench` on the bundled model: a case file with an edit (context + expected), a
 * text-to-image case without expected, outputs and a contact sheet written, PSNR only where an
 * expected image exists; a malformed case file is refused with the input exit code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { benchCases, mulberry32, renderScene } from '../../../bench/kontextbench'
import { EXIT } from '../../../engine/cli/context'
import { runCli } from '../../fixtures/engine/runCli'
import { decodeRgb, encodeRgbPng } from '../../../engine/image/imageIo'

const dir = mkdtempSync(join(tmpdir(), 'kontext-bench-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...argv: string[]) => runCli(dir, ...argv)

describe('kontext bench', () => {
  it('runs a case file: outputs, a contact sheet (context | output | expected) and PSNR where expected exists', async () => {
    const edit = benchCases(mulberry32(5), 7)[4]! // a background change
    writeFileSync(join(dir, 'ctx.png'), await encodeRgbPng(renderScene(edit.context!), 64, 64))
    writeFileSync(join(dir, 'want.png'), await encodeRgbPng(renderScene(edit.target), 64, 64))
    const cases = {
      cases: [
        { name: 'edit', context: 'ctx.png', prompt: edit.prompt, expected: 'want.png' },
        { prompt: 'a large red circle on navy at row two col three' },
      ],
    }
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases))
    const r = await cli('bench', '--cases', 'cases.json', '--out', 'out', '--steps', '8', '--provider', 'cpu', '--tile', '64', '--json')
    expect(r.code, r.out + r.err).toBe(EXIT.ok)
    const report = JSON.parse(r.out) as { cases: { name: string; psnr: number | null }[]; meanPsnr: number | null }
    expect(report.cases.map((c) => c.name)).toEqual(['edit', 'case-2'])
    expect(report.cases[0]!.psnr).toBeGreaterThan(15)
    expect(report.cases[1]!.psnr).toBeNull()
    expect(report.meanPsnr).toBe(report.cases[0]!.psnr)
    for (const f of ['edit.png', 'case-2.png', 'contact-sheet.png', 'results.json']) expect(existsSync(join(dir, 'out', f)), f).toBe(true)
    const sheet = await decodeRgb(readFileSync(join(dir, 'out', 'contact-sheet.png')))
    // 3 columns and 2 rows of 64-px tiles with 4-px gaps.
    expect([sheet.width, sheet.height]).toEqual([4 + 3 * 68, 4 + 2 * 68])
  }, 120_000)

  it('refuses a malformed case file and a missing image with the input exit code', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ cases: [{ context: 'ctx.png' }] }))
    const bad = await cli('bench', '--cases', 'bad.json')
    expect(bad.code).toBe(EXIT.input)
    expect(bad.err).toMatch(/bad\.json is not a case file: cases\.0\.prompt/)
    writeFileSync(join(dir, 'missing.json'), JSON.stringify([{ context: 'nope.png', prompt: 'remove the red circle' }]))
    const missing = await cli('bench', '--cases', 'missing.json')
    expect(missing.code).toBe(EXIT.input)
    expect(missing.err).toMatch(/nope\.png: no such file/)
  })
})

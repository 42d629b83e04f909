/**
 * The `kontext` CLI on the bundled model: generate and edit write PNGs of the model's size,
 * the same seed gives the same image, and mistakes end with clear messages and exit codes.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../fixtures/engine/runCli'
import { decodeRgb } from '../../../engine/image/imageIo'
import { readPngText } from '../../../engine/image/pngText'
import { goldenDir, repoRoot } from '../../fixtures/engine/paths'

const dir = mkdtempSync(join(tmpdir(), 'kontext-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const cli = (...argv: string[]) => runCli(dir, ...argv)

const context = join(goldenDir, 'c2_context.png')

describe('kontext CLI', () => {
  it('generate writes a 64×64 PNG with its parameters, the same for the same seed', async () => {
    const a = await cli(
      'generate',
      '--prompt',
      'a small red circle on navy',
      '--seed',
      '11',
      '--steps',
      '6',
      '--provider',
      'cpu',
      '--out',
      'a.png',
    )
    expect(a.code).toBe(0)
    expect(a.out).toMatch(/^wrote a\.png \(64×64, seed 11, 6 steps, \d+ ms on cpu\)/)
    const b = await cli(
      'generate',
      '--prompt',
      'a small red circle on navy',
      '--seed',
      '11',
      '--steps',
      '6',
      '--provider',
      'cpu',
      '--out',
      'b.png',
      '--json',
    )
    expect(b.code).toBe(0)
    const report = JSON.parse(b.out) as { ok: boolean; width: number; height: number; seed: number; provider: string }
    expect(report).toMatchObject({ ok: true, width: 64, height: 64, seed: 11, provider: 'cpu' })
    const pa = await decodeRgb(readFileSync(join(dir, 'a.png')))
    const pb = await decodeRgb(readFileSync(join(dir, 'b.png')))
    expect([pa.width, pa.height]).toEqual([64, 64])
    expect(pb.rgb).toEqual(pa.rgb)
    const c = await cli(
      'generate',
      '--prompt',
      'a small red circle on navy',
      '--seed',
      '12',
      '--steps',
      '6',
      '--provider',
      'cpu',
      '--out',
      'c.png',
    )
    expect(c.code).toBe(0)
    expect((await decodeRgb(readFileSync(join(dir, 'c.png')))).rgb).not.toEqual(pa.rgb)
    expect(readPngText(readFileSync(join(dir, 'a.png')))).toMatchObject({ prompt: 'a small red circle on navy', seed: '11', steps: '6' })
  })

  it('edit conditions on --in and extra --ref images, and records their hashes', async () => {
    const r = await cli(
      'edit',
      '--in',
      context,
      '--ref',
      join(goldenDir, 'c3_context.png'),
      '--prompt',
      'remove the blue square',
      '--seed',
      '3',
      '--steps',
      '6',
      '--provider',
      'cpu',
      '--out',
      'e.png',
    )
    expect(r.code).toBe(0)
    const png = readFileSync(join(dir, 'e.png'))
    expect((await decodeRgb(png)).width).toBe(64)
    const meta = readPngText(png)
    expect(meta.contexts?.split(',')).toHaveLength(2)
    expect(meta.parent).toMatch(/^[0-9a-f]{64}$/)
    const again = await cli(
      'edit',
      '--in',
      context,
      '--ref',
      join(goldenDir, 'c3_context.png'),
      '--prompt',
      'remove the blue square',
      '--seed',
      '3',
      '--steps',
      '6',
      '--provider',
      'cpu',
      '--out',
      'e2.png',
    )
    expect(again.code).toBe(0)
    expect((await decodeRgb(readFileSync(join(dir, 'e2.png')))).rgb).toEqual((await decodeRgb(png)).rgb)
  })

  it('explains a missing input file (exit 3), unknown words (6), a bad provider (5), a bad model folder (4) and bad usage (2)', async () => {
    const missing = await cli('edit', '--in', 'nope.png', '--prompt', 'make it red')
    expect(missing.code).toBe(3)
    expect(missing.err).toContain('nope.png: no such file')
    const words = await cli('generate', '--prompt', 'a purple giraffe', '--provider', 'cpu', '--json')
    expect(words.code).toBe(6)
    expect(JSON.parse(words.out)).toMatchObject({ ok: false, error: { code: 'prompt.unknownWords' } })
    const provider = await cli('generate', '--prompt', 'a ring', '--provider', 'quantum')
    expect(provider.code).toBe(5)
    expect(provider.err).toMatch(/quantum.*Use one of: auto/s)
    const model = await cli('generate', '--prompt', 'a ring', '--model', goldenDir)
    expect(model.code).toBe(4)
    const validate = await cli('models', 'validate', goldenDir)
    expect(validate.code).toBe(4)
    expect((await cli('generate')).code).toBe(2)
    expect((await cli('frobnicate')).code).toBe(2)
    expect((await cli('generate', '--prompt', 'a ring', '--steps', 'many')).err).toContain('--steps must be an integer')
  })

  it('lists the bundled model and validates its folder against the real graphs', async () => {
    const list = await cli('models', '--json')
    expect(JSON.parse(list.out).models.map((m: { id: string }) => m.id)).toContain('kontext-tiny')
    const ok = await cli('models', 'validate', join(repoRoot, 'assets', 'models', 'kontext-tiny'))
    expect(ok).toMatchObject({ code: 0 })
    expect(ok.out).toContain('OK')
  })

  it('runs as `npx kontext` through the bin shim', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'kontext.js'), 'models', '--json'], { cwd: dir })
    expect(JSON.parse(stdout)).toMatchObject({ ok: true })
    // The same from source through tsx (what the shim falls back to when it cannot use a build).
    const fromSource = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'kontext.js'), 'models', '--json'], {
      cwd: dir,
      env: { ...process.env, KONTEXT_CLI_FROM_SOURCE: '1' },
    })
    expect(JSON.parse(fromSource.stdout)).toEqual(JSON.parse(stdout))
  })
})

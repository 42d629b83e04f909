/**
 * `npx kontext` runs from a cached build of the CLI while its sources are unchanged, and builds
 * it again when one of them changes, so an edited source is never run stale.
 */
import { execFile } from 'node:child_process'
import { readFileSync, statSync, utimesSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../../fixtures/engine/paths'

const pointer = join(repoRoot, 'out', 'cli.json')
const kontext = async (...argv: string[]) =>
  (await promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'kontext.js'), ...argv], { cwd: repoRoot })).stdout
const pointed = () => JSON.parse(readFileSync(pointer, 'utf8')) as { dir: string; inputs: Record<string, string> }
const build = () => pointed().dir

describe('the CLI build cache', () => {
  it('reuses the build while no source changed and rebuilds when one did', async () => {
    expect(JSON.parse(await kontext('models', '--json'))).toMatchObject({ ok: true })
    const first = build()
    const stamp = pointed().inputs['engine/cli/context.ts']
    expect(stamp).toBeDefined()
    const written = statSync(pointer).mtimeMs
    await kontext('models', '--json')
    expect(statSync(pointer).mtimeMs).toBe(written)
    expect(build()).toBe(first)

    // Touch one source the CLI is built from (its content stays the same), as an edit would.
    const source = join(repoRoot, 'engine', 'cli', 'context.ts')
    const { atime, mtime } = statSync(source)
    try {
      utimesSync(source, atime, new Date(mtime.getTime() + 1000))
      expect(JSON.parse(await kontext('models', '--json'))).toMatchObject({ ok: true })
      expect(build()).not.toBe(first)
      expect(pointed().inputs['engine/cli/context.ts']).not.toBe(stamp)
    } finally {
      utimesSync(source, atime, mtime)
    }
  })
})

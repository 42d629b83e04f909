/** The web host's process-level guard: an error that escapes one connection's handler is logged in one line, and the process lives on. */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const fixture = fileURLToPath(new URL('./fixtures/guardedProcess.ts', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', fixture, ...args], { encoding: 'utf8' })

describe('the crash guard of `npm run serve`', () => {
  it('logs an uncaught exception and an unhandled rejection in one line each, and keeps the process serving', () => {
    const guarded = run()
    expect(guarded.status).toBe(0)
    expect(guarded.stdout.trim()).toBe('still serving')
    const lines = guarded.stderr.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines).toContain('Kept serving after an unhandled rejection: RangeError: a promise nobody awaited')
    expect(lines).toContain('Kept serving after an unexpected error: TypeError: one connection broke something with a second line')
  })
  it('is what makes the difference: without it the same process dies', () => {
    const unguarded = run('unguarded')
    expect(unguarded.status).not.toBe(0)
    expect(unguarded.stdout).not.toContain('still serving')
  })
})

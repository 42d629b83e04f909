/**
 * An error the CLI did not expect is reported by its kind only: its message may quote a file
 * (JSON.parse does), so that is shown only when the user asks for it.
 */
import { describe, expect, it } from 'vitest'
import { internalErrorLine } from '../../../engine/cli/internalError'

describe('internalErrorLine', () => {
  const quoting = (() => {
    try {
      JSON.parse('{"token": "hf_secret_from_a_file"')
    } catch (e) {
      return e
    }
    throw new Error('JSON.parse accepted a truncated object')
  })()

  it('names the kind and the way to see more, never the message or a stack', () => {
    const line = internalErrorLine(quoting, false)
    expect(line).toMatch(/^kontext: internal error \(SyntaxError\)\. .*KONTEXT_DEBUG=1/)
    expect(line).not.toContain('hf_secret')
    expect(line).not.toMatch(/\n\s+at /)
    expect(line.trimEnd().split('\n')).toHaveLength(1)
  })

  it('adds the stack when asked', () => {
    expect(internalErrorLine(quoting, true)).toMatch(/\n\s+at /)
    expect(internalErrorLine('thrown string', false)).toContain('(string)')
  })
})

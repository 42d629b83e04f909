import { describe, expect, it } from 'vitest'
import { ERROR_CODES } from '../../../core/errorCodes'

describe('the error code list', () => {
  it('names each code once, as area.what (or the one bare fallback, internal)', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
    for (const code of ERROR_CODES) expect(code).toMatch(/^(internal|[a-z]+\.[a-z][A-Za-z]*)$/)
  })
})

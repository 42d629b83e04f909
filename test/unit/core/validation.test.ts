import { describe, expect, it } from 'vitest'
import { validateRequest, isRequestName } from '../../../core/contract/validation'

describe('request validation', () => {
  it('accepts a well-formed import and brands nothing it should not', () => {
    const r = validateRequest('importImage', { fileName: 'shoe.png', bytes: new Uint8Array([1]) })
    expect(r.ok).toBe(true)
  })
  it('names every problem of a malformed request', () => {
    const r = validateRequest('generate', { parentId: '../../etc', prompt: '', contextBlobs: ['nothex'] })
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.code).toBe('request.invalid')
    expect(r.error.message).toContain('parentId')
    expect(r.error.message).toContain('prompt')
    expect(r.error.message).toContain('contextBlobs.0')
  })
  it('refuses unknown fields instead of passing them through', () => {
    const r = validateRequest('trashBranch', { nodeId: 'abc', path: '/etc/passwd' })
    expect(r.ok).toBe(false)
  })
  it('refuses an id that names a member of Object.prototype, which a lookup would find', () => {
    for (const nodeId of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf']) {
      const r = validateRequest('exportBranch', { leafId: nodeId })
      expect(r.ok, nodeId).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('request.invalid')
    }
    expect(validateRequest('exportBranch', { leafId: 'abc123' }).ok).toBe(true)
  })
  it('knows the request names and nothing from the prototype', () => {
    expect(isRequestName('getProject')).toBe(true)
    expect(isRequestName('toString')).toBe(false)
    expect(isRequestName('__proto__')).toBe(false)
  })
})

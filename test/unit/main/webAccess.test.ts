import type { IncomingMessage } from 'node:http'
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkAccess, TOKEN_COOKIE } from '../../../main/web/access'
import { readStaticFile } from '../../../main/web/staticFiles'

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage
const loopback = { allowedHosts: new Set(['127.0.0.1', 'localhost', '[::1]']), token: null }
const exposed = { allowedHosts: null, token: 'correct horse battery staple' }

describe('web host access', () => {
  it('serves its own loopback pages without a token', () => {
    expect(checkAccess(loopback, req({ host: '127.0.0.1:5170' }), new URL('http://x/')).allowed).toBe(true)
  })
  it('refuses a rebinding attacker whose Host header names another site', () => {
    const d = checkAccess(loopback, req({ host: 'evil.example:5170' }), new URL('http://x/'))
    expect(d.allowed).toBe(false)
  })
  it('refuses a cross-origin page talking to the loopback host', () => {
    const d = checkAccess(loopback, req({ host: '127.0.0.1:5170', origin: 'http://evil.example' }), new URL('http://x/ws'))
    expect(d.allowed).toBe(false)
  })
  it('requires the token when exposed, then remembers it in a strict cookie', () => {
    expect(checkAccess(exposed, req({ host: '10.0.0.5:5170' }), new URL('http://x/')).allowed).toBe(false)
    expect(checkAccess(exposed, req({ host: '10.0.0.5:5170' }), new URL('http://x/?token=wrong')).allowed).toBe(false)
    const first = checkAccess(exposed, req({ host: '10.0.0.5:5170' }), new URL('http://x/?token=correct%20horse%20battery%20staple'))
    expect(first.allowed && first.setCookie).toContain('HttpOnly; SameSite=Strict')
    const later = checkAccess(
      exposed,
      req({ host: '10.0.0.5:5170', cookie: `${TOKEN_COOKIE}=correct%20horse%20battery%20staple` }),
      new URL('http://x/blob/abc'),
    )
    expect(later.allowed).toBe(true)
  })
})

describe('static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'kstudio-static-'))
  mkdirSync(join(root, 'web'))
  writeFileSync(join(root, 'web', 'index.html'), '<p>studio</p>')
  writeFileSync(join(root, 'secret.txt'), 'do not serve')
  it('serves index.html for /', async () => {
    expect((await readStaticFile(join(root, 'web'), '/'))?.type).toContain('text/html')
  })
  it('never leaves the root, however the path is spelled', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/web/../../secret.txt', '/%00']) {
      expect(await readStaticFile(join(root, 'web'), p)).toBeNull()
    }
  })
})

/**
 * Hostile requests on the HTTP and WebSocket-upgrade path, written byte for byte to a raw socket.
 * Each must be refused (or served) for that one request only: after every one the host is alive
 * and still answers a correct request. Before the fix several of these ended the process.
 */
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectServing, plainRequest, rawRequest, startHostileHost, TOKEN, upgradeRequest, type HostileHost } from './hostileHost'

const GARBLED_COOKIE = 'Cookie: kstudio_token=%E0%A4%A'
const BAD_TARGETS = ['http://a:b:c/ws', 'http://[::1/ws', 'http://%zz/ws', 'http://a:99999/ws', 'ws://:/ws']

let loopback: HostileHost
let tokenHost: HostileHost
beforeAll(async () => {
  loopback = await startHostileHost(null)
  tokenHost = await startHostileHost(TOKEN)
})
afterAll(async () => {
  await loopback?.stop()
  await tokenHost?.stop()
})

describe('a malformed token cookie', () => {
  it('is refused with 400 on a WebSocket upgrade in token mode, and the host keeps serving', async () => {
    const answer = await rawRequest(tokenHost.port, upgradeRequest('/ws', ['Host: 127.0.0.1', GARBLED_COOKIE]))
    expect(answer.status).toBe(400)
    await expectServing(tokenHost)
  })
  it('is refused with 400 over plain HTTP in token mode, not 500', async () => {
    const answer = await rawRequest(tokenHost.port, plainRequest(`/blob/${tokenHost.imported.blob}`, ['Host: 127.0.0.1', GARBLED_COOKIE]))
    expect(answer.status).toBe(400)
    await expectServing(tokenHost)
  })
  it('does not stand in for the token when a correct one follows it, and is ignored on loopback', async () => {
    const both = await rawRequest(tokenHost.port, upgradeRequest('/ws', ['Host: 127.0.0.1', `${GARBLED_COOKIE}; kstudio_token=${TOKEN}`]))
    expect(both.status).toBe(400)
    const onLoopback = await rawRequest(loopback.port, upgradeRequest('/ws', ['Host: 127.0.0.1', GARBLED_COOKIE]))
    expect(onLoopback.status).toBe(101)
    await expectServing(loopback)
  })
  it('a garbled ?token= is a wrong token (401), and the correct one still lets the page in', async () => {
    expect((await rawRequest(tokenHost.port, plainRequest('/?token=%E0%A4%A'))).status).toBe(401)
    const ok = await rawRequest(tokenHost.port, plainRequest(`/blob/${tokenHost.imported.blob}?token=${TOKEN}`))
    expect(ok.status).toBe(200)
    expect(ok.head).toContain('Set-Cookie: kstudio_token=')
  })
})

describe('a request target that is not a URL', () => {
  for (const target of BAD_TARGETS) {
    it(`GET ${target} as an upgrade is refused with 400 on loopback and in token mode`, async () => {
      for (const host of [loopback, tokenHost]) {
        const headers = ['Host: 127.0.0.1', ...(host.token ? [`Cookie: kstudio_token=${TOKEN}`] : [])]
        expect((await rawRequest(host.port, upgradeRequest(target, headers))).status).toBe(400)
        await expectServing(host)
      }
    })
  }
  it('is refused with 400 over plain HTTP too', async () => {
    for (const target of BAD_TARGETS) {
      expect((await rawRequest(loopback.port, plainRequest(target))).status).toBe(400)
    }
    await expectServing(loopback)
  })
  it('a valid absolute-form target is read by its path, and the Host header still decides', async () => {
    expect((await rawRequest(loopback.port, upgradeRequest('http://127.0.0.1/ws'))).status).toBe(101)
    expect((await rawRequest(loopback.port, upgradeRequest('http://127.0.0.1/ws', ['Host: evil.example']))).status).toBe(421)
    expect((await rawRequest(loopback.port, upgradeRequest('http://127.0.0.1/elsewhere'))).status).toBe(404)
    await expectServing(loopback)
  })
})

describe('odd, doubled and oversize headers on the upgrade path', () => {
  const cases: [string, string, number][] = [
    ['two Host headers, the foreign one first', upgradeRequest('/ws', ['Host: evil.example', 'Host: 127.0.0.1']), 400],
    ['two Host headers, ours first', upgradeRequest('/ws', ['Host: 127.0.0.1', 'Host: evil.example']), 400],
    ['two Origin headers', upgradeRequest('/ws', ['Host: 127.0.0.1', 'Origin: http://127.0.0.1', 'Origin: http://evil.example']), 400],
    ['no Host header', upgradeRequest('/ws', []), 421],
    ['an empty Host header', upgradeRequest('/ws', ['Host: ']), 421],
    ['an unclosed IPv6 Host', upgradeRequest('/ws', ['Host: [::1']), 421],
    ['a Host of 8 kB', upgradeRequest('/ws', [`Host: ${'a'.repeat(8000)}`]), 421],
    ['a cookie of 64 kB', upgradeRequest('/ws', ['Host: 127.0.0.1', `Cookie: x=${'a'.repeat(65536)}`]), 431],
    ['3,000 headers', upgradeRequest('/ws', ['Host: 127.0.0.1', ...Array.from({ length: 3000 }, (_, i) => `X-${i}: y`)]), 431],
    ['a NUL in a header value', upgradeRequest('/ws', ['Host: 127.0.0.1', 'X-Odd: a\0b']), 400],
    ['no Sec-WebSocket-Key', upgradeRequest('/ws').replace(/Sec-WebSocket-Key:[^\r]*\r\n/, ''), 400],
    ['an unknown WebSocket version', upgradeRequest('/ws').replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 99'), 400],
    ['a garbled subprotocol list', upgradeRequest('/ws', ['Host: 127.0.0.1', 'Sec-WebSocket-Protocol: ,,, ;;']), 400],
  ]
  for (const [what, request, status] of cases) {
    it(`${what}: refused with ${status}, and the host keeps serving`, async () => {
      expect((await rawRequest(loopback.port, request)).status).toBe(status)
      await expectServing(loopback)
    })
  }
  it('the same doubled and garbled headers in token mode, each refused', async () => {
    const cookie = `Cookie: kstudio_token=${TOKEN}`
    expect((await rawRequest(tokenHost.port, upgradeRequest('/ws', ['Host: 127.0.0.1', 'Host: 10.0.0.1', cookie]))).status).toBe(400)
    expect((await rawRequest(tokenHost.port, upgradeRequest('/ws', ['Host: 127.0.0.1', `${GARBLED_COOKIE}%%`]))).status).toBe(400)
    expect((await rawRequest(tokenHost.port, upgradeRequest('/ws', ['Host: 127.0.0.1']))).status).toBe(401)
    await expectServing(tokenHost)
  })
})

describe('clients that vanish mid-request', () => {
  it('a peer that resets while its upgrade is being refused takes nothing down', async () => {
    for (let i = 0; i < 30; i++) {
      await new Promise<void>((resolve) => {
        const socket = connect(loopback.port, '127.0.0.1', () => {
          socket.write(upgradeRequest('/ws', ['Host: evil.example']), () => {
            socket.resetAndDestroy()
            resolve()
          })
        })
        socket.on('error', () => resolve())
      })
    }
    await expectServing(loopback)
  })
  it('a request cut off halfway through its headers is dropped', async () => {
    const half = upgradeRequest('/ws').slice(0, 40)
    await new Promise<void>((resolve) => {
      const socket = connect(loopback.port, '127.0.0.1', () => socket.end(half))
      socket.resume() // read the host's 400 so the close can arrive
      socket.on('close', () => resolve())
      socket.on('error', () => resolve())
    })
    await expectServing(loopback)
  })
})

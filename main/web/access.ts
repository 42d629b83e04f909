/**
 * Who may talk to the web host. On loopback (the default) only pages this server served may
 * connect — the Host header must name the server itself, which defeats DNS-rebinding — and no
 * token is needed. Bound anywhere else, every request must carry the token the user chose,
 * either as `?token=` (the first page load) or as the cookie that load sets.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const TOKEN_COOKIE = 'kstudio_token'

export interface AccessPolicy {
  /** Host names (without port) this server answers to; null = any (then a token is required). */
  readonly allowedHosts: ReadonlySet<string> | null
  /** Required on every request when set. */
  readonly token: string | null
}

export const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host)

function hostWithoutPort(header: string | undefined): string | null {
  if (!header) return null
  const bracketed = header.match(/^(\[[^\]]+\])(?::\d+)?$/)
  if (bracketed) return bracketed[1] ?? null
  return header.split(':')[0] ?? null
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The request target as a URL, or null when it is not one (`GET http://a:b:c/ws` parses as nothing). */
export function parseTarget(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://placeholder')
  } catch {
    return null
  }
}

/** A cookie's value; `undefined` when absent, null when its percent-encoding is broken. */
export function readCookie(req: IncomingMessage, name: string): string | null | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key !== name) continue
    try {
      return decodeURIComponent(rest.join('='))
    } catch {
      return null
    }
  }
  return undefined
}

/** How many times a header appears (Node keeps only the first Host or Origin of several). */
const headerCount = (req: IncomingMessage, name: string): number =>
  (req.rawHeaders ?? []).filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length

export type Refusal = { allowed: false; status: number; reason: string }
export type AccessDecision = { allowed: true; setCookie: string | null } | Refusal
export type Admission = { allowed: true; url: URL; setCookie: string | null } | Refusal

export function checkAccess(policy: AccessPolicy, req: IncomingMessage, url: URL): AccessDecision {
  // Two Host (or Origin) headers could be read differently by a proxy in front: refuse them.
  if (headerCount(req, 'host') > 1 || headerCount(req, 'origin') > 1)
    return { allowed: false, status: 400, reason: 'A request may carry one Host and one Origin header.' }
  const host = hostWithoutPort(req.headers.host)
  if (host === null || (policy.allowedHosts !== null && !policy.allowedHosts.has(host)))
    return { allowed: false, status: 421, reason: 'This server does not answer to that host name.' }
  // A WebSocket or fetch from another site carries its own Origin: refuse it.
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://${req.headers.host}`)
    return { allowed: false, status: 403, reason: 'Cross-origin requests are refused.' }
  if (policy.token === null) return { allowed: true, setCookie: null }
  const fromQuery = url.searchParams.get('token')
  if (fromQuery !== null && safeEqual(fromQuery, policy.token)) {
    return { allowed: true, setCookie: `${TOKEN_COOKIE}=${encodeURIComponent(policy.token)}; HttpOnly; SameSite=Strict; Path=/` }
  }
  const fromCookie = readCookie(req, TOKEN_COOKIE)
  if (fromCookie === null)
    return {
      allowed: false,
      status: 400,
      reason: `The ${TOKEN_COOKIE} cookie is garbled: clear this site's cookies, then open the address printed by \`npm run serve\`.`,
    }
  if (fromCookie !== undefined && safeEqual(fromCookie, policy.token)) return { allowed: true, setCookie: null }
  return {
    allowed: false,
    status: 401,
    reason: 'A token is required: open the address printed by `npm run serve`, which includes ?token=….',
  }
}

/** The one entry for both the HTTP and the upgrade handler: parses the target, then checks access; never throws. */
export function admitRequest(policy: AccessPolicy, req: IncomingMessage): Admission {
  const url = parseTarget(req.url)
  if (url === null) return { allowed: false, status: 400, reason: 'The request target is not a valid URL.' }
  const access = checkAccess(policy, req, url)
  return access.allowed ? { ...access, url } : access
}

/**
 * The studio as a local web host: the built renderer, blob images and the WebSocket transport on
 * one origin. Used by `npm run serve`, the end-to-end tests, and a GPU box serving a laptop.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { isBlobHash } from '../../core/ids'
import { MAX_IMPORT_BYTES } from '../../core/api'
import type { StudioHost } from '../services/studioHost'
import { checkAccess, isLoopbackHost, type AccessPolicy } from './access'
import { readStaticFile } from './staticFiles'
import { serveSocket } from './wsTransport'

export interface WebHostOptions {
  readonly host: string
  readonly port: number
  /** Required when `host` is not loopback. */
  readonly token: string | null
  readonly rendererDir: string
  readonly log: (line: string) => void
}

export interface RunningWebHost {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ')

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

export async function startWebHost(studio: StudioHost, options: WebHostOptions): Promise<RunningWebHost> {
  if (!isLoopbackHost(options.host) && !options.token) {
    throw new Error(`Refusing to listen on ${options.host} without a token: pass --token <secret> (at least 16 characters).`)
  }
  // On loopback the Host header must name this machine (DNS-rebinding defence); elsewhere the
  // token is what authorises, since clients reach the server by whatever name the network gives it.
  const allowedHosts = isLoopbackHost(options.host) ? new Set<string>(['127.0.0.1', 'localhost', '[::1]']) : null
  const policy: AccessPolicy = { allowedHosts, token: options.token }

  const handleHttp = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    securityHeaders(res)
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const access = checkAccess(policy, req, url)
    if (!access.allowed) {
      res.writeHead(access.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(access.reason)
      return
    }
    if (access.setCookie) res.setHeader('Set-Cookie', access.setCookie)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    const blobMatch = url.pathname.match(/^\/(blob|thumb)\/([^/]+)$/)
    if (blobMatch) {
      const hash = blobMatch[2] ?? ''
      const bytes = !isBlobHash(hash) ? null : blobMatch[1] === 'thumb' ? await studio.thumbnails.get(hash) : studio.session.readBlob(hash)
      if (!bytes) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('no such image in this project')
        return
      }
      // Content-addressed: the bytes behind a hash never change.
      res.writeHead(200, { 'Content-Type': 'image/png', 'Cache-Control': 'private, max-age=31536000, immutable' }).end(Buffer.from(bytes))
      return
    }
    const file = await readStaticFile(options.rendererDir, url.pathname)
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'Content-Type': file.type, 'Cache-Control': 'no-cache' }).end(req.method === 'HEAD' ? undefined : file.body)
  }

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((e: unknown) => {
      options.log(`http error: ${e instanceof Error ? e.message : String(e)}`)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_IMPORT_BYTES + 1024 * 1024 })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://placeholder')
    const access = checkAccess(policy, req, url)
    if (url.pathname !== '/ws' || !access.allowed) {
      socket.end(`HTTP/1.1 ${access.allowed ? 404 : access.status} Refused\r\nConnection: close\r\n\r\n`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, studio, options.log))
  })

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `Port ${options.port} on ${options.host} is already in use (another studio?): pass --port N, or --port 0 for any free port.`,
            )
          : e.code === 'EADDRNOTAVAIL'
            ? new Error(
                `${options.host} is not an address of this machine: pass --host with one of its addresses, or leave it out for 127.0.0.1.`,
              )
            : e,
      ),
    )
    server.listen(options.port, options.host, () => resolveListen())
  })
  const port = (server.address() as AddressInfo).port
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
  const url = `http://${shownHost}:${port}/${options.token ? `?token=${encodeURIComponent(options.token)}` : ''}`
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        server.close(() => resolveClose())
        server.closeAllConnections()
      }),
  }
}

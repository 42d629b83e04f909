/**
 * The studio as a local web host: the built renderer, blob images and the WebSocket transport on
 * one origin. Used by `npm run serve`, the end-to-end tests, and a GPU box serving a laptop.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import { isBlobHash } from '../../core/ids'
import { MAX_IMPORT_BYTES } from '../../core/contract/api'
import type { StudioHost } from '../services/studioHost'
import { REQUEST_HEADER_LIMITS } from '../../core/contract/wireCodec'
import { admitRequest, isLoopbackHost, type AccessPolicy } from './access'
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

/** One frame: the length prefix, the bounded JSON header and one import's worth of attachments. */
const MAX_FRAME_BYTES = 4 + REQUEST_HEADER_LIMITS.maxBytes + MAX_IMPORT_BYTES

/** Answers an upgrade that will not happen, on the raw socket (there is no ServerResponse here). */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const body = Buffer.from(reason)
  // Destroy once written: a client that keeps its half open must not hold the socket.
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.byteLength}\r\n\r\n${reason}`,
  )
}

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
    const access = admitRequest(policy, req)
    if (!access.allowed) {
      res.writeHead(access.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(access.reason)
      return
    }
    if (access.setCookie) res.setHeader('Set-Cookie', access.setCookie)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end()
      return
    }
    const blobMatch = access.url.pathname.match(/^\/(blob|thumb)\/([^/]+)$/)
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
    const file = await readStaticFile(options.rendererDir, access.url.pathname)
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
      else res.destroy()
    })
  })
  // No per-message deflate (ws's default, kept explicit): a few compressed kB would make the host
  // inflate a whole frame's worth before refusing it.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false })
  server.on('upgrade', (req, socket, head) => {
    // Node has taken its own error listener off an upgrading socket: a peer that resets while we
    // refuse it would otherwise raise an unhandled 'error' and end the process. ws adds its own.
    const onSocketError = (): void => void socket.destroy()
    socket.on('error', onSocketError)
    try {
      const access = admitRequest(policy, req)
      if (!access.allowed) return refuseUpgrade(socket, access.status, access.reason)
      if (access.url.pathname !== '/ws') return refuseUpgrade(socket, 404, 'not found')
      socket.off('error', onSocketError)
      wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, studio, options.log))
    } catch (e) {
      // Whatever one request breaks stays with that request.
      options.log(`upgrade refused after an error: ${e instanceof Error ? e.message : String(e)}`)
      socket.off('error', onSocketError).on('error', onSocketError)
      refuseUpgrade(socket, 400, 'bad request')
    }
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

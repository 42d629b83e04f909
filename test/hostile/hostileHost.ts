/**
 * A real web host — SQLite project, services, HTTP and WebSocket — with no engine process behind
 * it: the network side is the subject here, and each test file starts one in well under a second.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { expect } from 'vitest'
import type { ImportResult } from '../../core/contract/api'
import { systemClock } from '../../main/services/clock'
import { openStudio } from '../../main/services/openStudio'
import type { StudioHost } from '../../main/services/studioHost'
import { startWebHost, type RunningWebHost } from '../../main/web/webHost'
import { TestClient } from '../integration/host/wsClient'
import { absentEngine } from '../support/absentEngine'

export const TOKEN = 'a-long-enough-secret-token'

export interface HostileHost {
  readonly port: number
  readonly token: string | null
  readonly studio: StudioHost
  readonly web: RunningWebHost
  /** An image imported at start, to prove the host still serves what it stored. */
  readonly imported: ImportResult
  readonly png: Uint8Array
  readonly logs: string[]
  stop(): Promise<void>
}

export async function startHostileHost(token: string | null): Promise<HostileHost> {
  const dir = mkdtempSync(join(tmpdir(), 'kstudio-hostile-'))
  const studio = openStudio({ projectPath: join(dir, 'hostile.kstudio'), engine: absentEngine, clock: systemClock })
  const logs: string[] = []
  const web = await startWebHost(studio, {
    host: '127.0.0.1',
    port: 0,
    token,
    rendererDir: join(dir, 'no-renderer'),
    log: (l) => logs.push(l),
  })
  const png = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 10, g: 200, b: 30 } } })
      .png()
      .toBuffer(),
  )
  const imported = (await studio.handle('importImage', { fileName: 'green.png', bytes: png })) as ImportResult
  return {
    port: web.port,
    token,
    studio,
    web,
    imported,
    png,
    logs,
    async stop() {
      await web.close()
      await studio.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Connects as a page this host served would (with the token's cookie when it needs one). */
export const connectClient = (host: HostileHost): Promise<TestClient> =>
  TestClient.connect(`ws://127.0.0.1:${host.port}/ws`, host.token ? { Cookie: `kstudio_token=${host.token}` } : {})

/** The host is alive and correct: a new WebSocket gets the project, and HTTP serves the stored image. */
export async function expectServing(host: HostileHost): Promise<void> {
  const client = await connectClient(host)
  try {
    const project = await client.request('getProject', {})
    expect(project.nodes[host.imported.nodeId]?.sourceName).toBe('green.png')
  } finally {
    client.close()
  }
  const res = await fetch(`http://127.0.0.1:${host.port}/blob/${host.imported.blob}`, {
    headers: host.token ? { Cookie: `kstudio_token=${host.token}` } : {},
  })
  expect(res.status).toBe(200)
  expect(new Uint8Array(await res.arrayBuffer())).toEqual(host.png)
}

export interface RawAnswer {
  /** The status code of the answer's first line; null when the host closed without answering. */
  readonly status: number | null
  /** The status line and headers as received. */
  readonly head: string
}

/**
 * Writes bytes to the host over a plain TCP socket — no client library to tidy them up — and
 * reads the answer's head. A switch to WebSocket (101) is read and then dropped.
 */
export function rawRequest(port: number, request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let received = Buffer.alloc(0)
    const finish = (): void => {
      socket.destroy()
      const text = received.toString('latin1')
      const end = text.indexOf('\r\n\r\n')
      const head = end < 0 ? text : text.slice(0, end)
      const match = /^HTTP\/1\.1 (\d{3})/.exec(head)
      resolve({ status: match ? Number(match[1]) : null, head })
    }
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (received.includes('\r\n\r\n')) finish()
    })
    // The host may reset a connection it refuses while we are still writing.
    socket.on('error', finish)
    socket.on('close', finish)
    socket.write(request)
  })
}

/** A WebSocket upgrade request with the given target and extra header lines. */
export const upgradeRequest = (target: string, headers: readonly string[] = ['Host: 127.0.0.1']): string =>
  [
    `GET ${target} HTTP/1.1`,
    ...headers,
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    '',
    '',
  ].join('\r\n')

export const plainRequest = (target: string, headers: readonly string[] = ['Host: 127.0.0.1']): string =>
  [`GET ${target} HTTP/1.1`, ...headers, 'Connection: close', '', ''].join('\r\n')

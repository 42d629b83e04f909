/**
 * StudioApi over the web host's WebSocket. Requests are queued until the socket opens; if it drops
 * (server restarted), pending requests fail with a clear error and the client reconnects, so a
 * reload is never needed to keep working.
 */
import type { RequestName, RequestParams, RequestResults, StudioApi, StudioEvent } from '../../../core/contract/api'
import { createRequests } from '../../../core/contract/apiClient'
import type { BlobHash } from '../../../core/ids'
import { StudioError, studioError } from '../../../core/result'
import { decodeFrame, encodeFrame } from '../../../core/contract/wireCodec'
import type { ServerEnvelope } from '../../../core/contract/wireProtocol'

interface Pending {
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

export function createWebSocketApi(url: string): StudioApi {
  const listeners = new Set<(e: StudioEvent) => void>()
  const pending = new Map<number, Pending>()
  let nextId = 1
  let socket: WebSocket | null = null
  let opened: Promise<WebSocket> | null = null

  const connect = (): Promise<WebSocket> => {
    opened ??= new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url)
      ws.binaryType = 'arraybuffer'
      ws.onopen = () => {
        socket = ws
        resolve(ws)
      }
      ws.onerror = () =>
        reject(
          new StudioError(
            studioError(
              'host.unreachable',
              'The studio host cannot be reached.',
              'Check that `npm run serve` is still running, then retry.',
            ),
          ),
        )
      ws.onclose = () => {
        socket = null
        opened = null
        for (const [, p] of pending)
          p.reject(
            new StudioError(
              studioError('host.disconnected', 'The connection to the studio host closed.', 'Retry; the studio reconnects by itself.'),
            ),
          )
        pending.clear()
        for (const l of listeners) l({ kind: 'engineState', state: 'restarting', reason: 'host connection lost' })
        // Reconnect so events keep flowing once the host is back.
        setTimeout(() => void connect().catch(() => undefined), 1000)
      }
      ws.onmessage = (msg: MessageEvent<ArrayBuffer>) => {
        const envelope = decodeFrame(new Uint8Array(msg.data)) as ServerEnvelope
        if (envelope.type === 'event') {
          for (const l of listeners) l(envelope.event)
          return
        }
        const waiting = pending.get(envelope.id)
        if (!waiting) return
        pending.delete(envelope.id)
        if (envelope.ok) waiting.resolve(envelope.value)
        else waiting.reject(new StudioError(envelope.error))
      }
    })
    return opened
  }

  const invoke = async <K extends RequestName>(name: K, params: RequestParams<K>): Promise<RequestResults[K]> => {
    const ws = socket ?? (await connect())
    const id = nextId++
    const result = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }))
    ws.send(encodeFrame({ type: 'request', id, name, params }))
    return (await result) as RequestResults[K]
  }

  void connect().catch(() => undefined)
  return {
    ...createRequests(invoke),
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    blobUrl: (hash: BlobHash) => `blob/${hash}`,
    thumbUrl: (hash: BlobHash) => `thumb/${hash}`,
  }
}

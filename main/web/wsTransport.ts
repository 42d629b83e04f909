/** The WebSocket side of the contract: one socket per page, every frame validated. */
import type { WebSocket } from 'ws'
import { toErrorData, studioError } from '../../core/result'
import { decodeFrame, encodeFrame } from '../../core/wireCodec'
import { RequestEnvelopeSchema, type ServerEnvelope } from '../../core/wireProtocol'
import type { StudioHost } from '../services/studioHost'

function send(socket: WebSocket, envelope: ServerEnvelope): void {
  if (socket.readyState === socket.OPEN) socket.send(encodeFrame(envelope))
}

export function serveSocket(socket: WebSocket, host: StudioHost, log: (line: string) => void): void {
  const off = host.onEvent((event) => send(socket, { type: 'event', event }))
  socket.on('close', off)
  socket.on('error', (e) => log(`websocket error: ${e.message}`))
  socket.on('message', (data, isBinary) => {
    if (!isBinary || !(data instanceof Buffer)) {
      socket.close(1003, 'binary frames only')
      return
    }
    let envelope
    try {
      envelope = RequestEnvelopeSchema.parse(decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)))
    } catch {
      // A malformed frame means a broken or hostile client; there is no id to answer to.
      socket.close(1007, 'malformed frame')
      return
    }
    const { id, name, params } = envelope
    host.handle(name, params).then(
      (value) => send(socket, { type: 'response', id, ok: true, value: value ?? null }),
      (caught: unknown) => {
        const error = toErrorData(caught, 'internal')
        if (error.code === 'internal') log(`request ${name} failed: ${error.message}`)
        send(socket, {
          type: 'response',
          id,
          ok: false,
          error: error.code === 'internal' ? studioError('internal', error.message, 'This is a bug; the log has details.') : error,
        })
      },
    )
  })
}

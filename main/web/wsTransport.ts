/** The WebSocket side of the contract: one socket per page, every frame validated. */
import type { WebSocket } from 'ws'
import { toErrorData, studioError } from '../../core/result'
import { decodeFrame, encodeFrame, FrameDecodeError, REQUEST_HEADER_LIMITS } from '../../core/contract/wireCodec'
import { RequestEnvelopeSchema, type RequestEnvelope, type ServerEnvelope } from '../../core/contract/wireProtocol'
import type { StudioHost } from '../services/studioHost'

/** Close codes (RFC 6455): 1003 = unacceptable data type, 1007 = inconsistent data, 1009 = too big. */
const TEXT_REFUSED = 1003
const MALFORMED = 1007
const TOO_BIG = 1009

function send(socket: WebSocket, envelope: ServerEnvelope, log: (line: string) => void): void {
  if (socket.readyState !== socket.OPEN) return
  try {
    socket.send(encodeFrame(envelope))
  } catch (e) {
    // An answer that cannot be encoded is a bug in the host; it must not escape into the caller
    // (an event emitter, a promise callback) and take the process down.
    log(`could not send a ${envelope.type}: ${e instanceof Error ? e.message : String(e)}`)
  }
}

export function serveSocket(socket: WebSocket, host: StudioHost, log: (line: string) => void): void {
  const off = host.onEvent((event) => send(socket, { type: 'event', event }, log))
  socket.on('close', off)
  socket.on('error', (e) => log(`websocket error: ${e.message}`))
  socket.on('message', (data, isBinary) => {
    if (!isBinary || !(data instanceof Buffer)) {
      socket.close(TEXT_REFUSED, 'binary frames only')
      return
    }
    let envelope: RequestEnvelope
    try {
      const decoded = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), REQUEST_HEADER_LIMITS)
      envelope = RequestEnvelopeSchema.parse(decoded)
    } catch (e) {
      // A malformed or oversized frame means a broken or hostile client; there is no id to answer
      // to. The close reason says which limit (it must fit 123 bytes).
      const tooBig = e instanceof FrameDecodeError && e.reason === 'tooLarge'
      socket.close(tooBig ? TOO_BIG : MALFORMED, tooBig ? e.message.slice(0, 120) : 'malformed frame')
      return
    }
    const { id, name, params } = envelope
    host.handle(name, params).then(
      (value) => send(socket, { type: 'response', id, ok: true, value: value ?? null }, log),
      (caught: unknown) => {
        const error = toErrorData(caught, 'internal')
        if (error.code === 'internal') log(`request ${name} failed: ${error.message}`)
        send(
          socket,
          {
            type: 'response',
            id,
            ok: false,
            error: error.code === 'internal' ? studioError('internal', error.message, 'This is a bug; the log has details.') : error,
          },
          log,
        )
      },
    )
  })
}

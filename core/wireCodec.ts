/**
 * WebSocket frames for the contract: a JSON header with binary attachments, so images travel as
 * bytes instead of base64. Layout: [u32 LE header length][header UTF-8 JSON][attachment bytes…];
 * each Uint8Array in the value is replaced by `{ "$bin": [offset, length] }` into the attachments.
 */
const BIN_KEY = '$bin'

export function encodeFrame(value: unknown): Uint8Array {
  const parts: Uint8Array[] = []
  let offset = 0
  const header = JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Uint8Array) {
      parts.push(v)
      const ref = { [BIN_KEY]: [offset, v.byteLength] }
      offset += v.byteLength
      return ref
    }
    return v
  })
  const headerBytes = new TextEncoder().encode(header)
  const out = new Uint8Array(4 + headerBytes.byteLength + offset)
  new DataView(out.buffer).setUint32(0, headerBytes.byteLength, true)
  out.set(headerBytes, 4)
  let at = 4 + headerBytes.byteLength
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

export class FrameDecodeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FrameDecodeError'
  }
}

export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 4) throw new FrameDecodeError('frame shorter than its length prefix')
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true)
  if (4 + headerLength > frame.byteLength) throw new FrameDecodeError('header length exceeds the frame')
  const header = new TextDecoder('utf-8', { fatal: true }).decode(frame.subarray(4, 4 + headerLength))
  const body = frame.subarray(4 + headerLength)
  return JSON.parse(header, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && BIN_KEY in v) {
      const ref = (v as Record<string, unknown>)[BIN_KEY]
      if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((n) => Number.isInteger(n) && n >= 0)) {
        throw new FrameDecodeError('malformed binary reference')
      }
      const [start, length] = ref as [number, number]
      if (start + length > body.byteLength) throw new FrameDecodeError('binary reference outside the frame')
      return body.slice(start, start + length)
    }
    return v
  })
}

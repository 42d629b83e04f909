/**
 * WebSocket frames for the contract: a JSON header with binary attachments, so images travel as
 * bytes instead of base64. Layout: [u32 LE header length][header UTF-8 JSON][attachment bytes…];
 * each Uint8Array in the value is replaced by `{ "$bin": [offset, length] }` into the attachments
 * (so `$bin` is a reserved key: an object carrying it is read as a reference).
 */
const BIN_KEY = '$bin'

/**
 * What the host accepts in one request's JSON header. Attachments are bounded by the transport's
 * payload limit; the header is bounded apart from them because parsing JSON is what costs (a
 * 76 MB header of `{}` stalled every client for half a minute). The largest valid request — 200
 * text layers of 5,000 characters — is 1–3 MB of JSON but a few thousand values; these bounds
 * admit it and keep the worst case to a fraction of a second. Checked before anything is parsed.
 */
export const REQUEST_HEADER_LIMITS = {
  /** Bytes of UTF-8 JSON. */
  maxBytes: 4 * 1024 * 1024,
  /** JSON values (objects, arrays, strings, numbers…), counted by a scan before parsing. */
  maxValues: 100_000,
  /** Nesting of objects and arrays (a valid request nests 6 deep). */
  maxDepth: 64,
} as const

export interface HeaderLimits {
  readonly maxBytes: number
  readonly maxValues: number
  readonly maxDepth: number
}

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

/** The codec's only refusal: `tooLarge` when a limit was exceeded, `malformed` otherwise. */
export class FrameDecodeError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'tooLarge' = 'malformed',
  ) {
    super(message)
    this.name = 'FrameDecodeError'
  }
}

const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Counts values and nesting in UTF-8 JSON without parsing it (structural characters are ASCII and
 * never occur inside a multi-byte sequence). Refuses as soon as a limit is crossed.
 */
function checkShape(json: Uint8Array, limits: HeaderLimits): void {
  let values = 1
  let depth = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json[i] as number
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
      continue
    }
    if (c === QUOTE) inString = true
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) throw new FrameDecodeError(`header nests deeper than ${limits.maxDepth} levels`, 'tooLarge')
    } else if (c === 0x7d || c === 0x5d) depth--
    else if (c === 0x2c || c === 0x3a) {
      // Each `,` or `:` introduces one more value (a key counts as one).
      if (++values > limits.maxValues) throw new FrameDecodeError(`header has more than ${limits.maxValues} values`, 'tooLarge')
    }
  }
}

/** Replaces every `{ "$bin": [offset, length] }` with its bytes, iteratively (depth is bounded, but a walk costs less than a reviver). */
function attach(root: unknown, body: Uint8Array): unknown {
  const bytesOf = (v: Record<string, unknown>): Uint8Array => {
    const ref = v[BIN_KEY]
    if (!Array.isArray(ref) || ref.length !== 2 || !ref.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      throw new FrameDecodeError('malformed binary reference')
    }
    const [start, length] = ref as [number, number]
    if (start + length > body.byteLength) throw new FrameDecodeError('binary reference outside the frame')
    return body.slice(start, start + length)
  }
  const isRef = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, BIN_KEY)
  if (isRef(root)) return bytesOf(root)
  const stack: unknown[] = [root]
  while (stack.length > 0) {
    const node = stack.pop()
    if (node === null || typeof node !== 'object') continue
    const record = node as Record<string, unknown>
    for (const key of Object.keys(record)) {
      const child = record[key]
      if (isRef(child)) record[key] = bytesOf(child)
      else if (child !== null && typeof child === 'object') stack.push(child)
    }
  }
  return root
}

/**
 * Decodes one frame. Throws nothing but FrameDecodeError. `limits` bound the header: the host
 * passes REQUEST_HEADER_LIMITS for what clients send; clients read the host's answers unbounded
 * (a big project's snapshot is larger than any request).
 */
export function decodeFrame(frame: Uint8Array, limits?: HeaderLimits): unknown {
  if (frame.byteLength < 4) throw new FrameDecodeError('frame shorter than its length prefix')
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true)
  if (4 + headerLength > frame.byteLength) throw new FrameDecodeError('header length exceeds the frame')
  if (limits && headerLength > limits.maxBytes) {
    throw new FrameDecodeError(`header of ${headerLength} bytes is over the limit of ${limits.maxBytes}`, 'tooLarge')
  }
  const headerBytes = frame.subarray(4, 4 + headerLength)
  if (limits) checkShape(headerBytes, limits)
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes))
  } catch {
    // Invalid UTF-8, invalid JSON, or (unbounded) nesting past the parser's stack.
    throw new FrameDecodeError('header is not valid UTF-8 JSON')
  }
  return attach(parsed, frame.subarray(4 + headerLength))
}

/**
 * Property-based tests of the wire codec: whatever bytes arrive, decoding ends in a value or in
 * the codec's own FrameDecodeError (never a TypeError, SyntaxError or RangeError that a caller
 * would not expect); what the codec encodes decodes back to the same value; and the host's header
 * limits refuse exactly what exceeds them. Runs are bounded by count, not time.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameDecodeError, REQUEST_HEADER_LIMITS, type HeaderLimits } from '../../core/contract/wireCodec'
import { wireValue } from './arbitraries'

/** Decodes, and says how it ended: a value, or a FrameDecodeError's reason. Anything else throws. */
function outcome(frame: Uint8Array, limits?: HeaderLimits): { value: unknown } | { refused: 'malformed' | 'tooLarge' } {
  try {
    return { value: decodeFrame(frame, limits) }
  } catch (e) {
    if (e instanceof FrameDecodeError) return { refused: e.reason }
    throw e
  }
}

function frameOf(header: Uint8Array, body: Uint8Array, claimedLength = header.byteLength): Uint8Array {
  const frame = new Uint8Array(4 + header.byteLength + body.byteLength)
  new DataView(frame.buffer).setUint32(0, claimedLength, true)
  frame.set(header, 4)
  frame.set(body, 4 + header.byteLength)
  return frame
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('decoding hostile bytes', () => {
  it('arbitrary bytes end in a value or a FrameDecodeError, with or without the host limits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        outcome(bytes)
        outcome(bytes, REQUEST_HEADER_LIMITS)
      }),
      { numRuns: 2000 },
    )
  })
  it('a correct length prefix before arbitrary header bytes (invalid UTF-8, broken JSON) is still only refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 40 }), (header, body) => {
        outcome(frameOf(header, body))
        outcome(frameOf(header, body), REQUEST_HEADER_LIMITS)
      }),
      { numRuns: 2000 },
    )
  })
  it('JSON text cut, spliced or with stray brackets, quotes and backslashes is only refused', () => {
    const token = fc.constantFrom('{', '}', '[', ']', '"', '\\', ',', ':', '"$bin"', '1', 'null', '"a"', ' ', '\\u', '\\"')
    fc.assert(
      fc.property(fc.array(token, { maxLength: 60 }), fc.uint8Array({ maxLength: 16 }), (tokens, body) => {
        const header = utf8(tokens.join(''))
        outcome(frameOf(header, body))
        outcome(frameOf(header, body), REQUEST_HEADER_LIMITS)
      }),
      { numRuns: 3000 },
    )
  })
  it('binary references of any shape either resolve inside the frame or are refused as malformed', () => {
    const ref = fc.oneof(fc.anything(), fc.tuple(fc.integer(), fc.integer()), fc.tuple(fc.nat(64), fc.nat(64)), fc.array(fc.double()))
    fc.assert(
      fc.property(ref, fc.uint8Array({ maxLength: 64 }), (r, body) => {
        const text = JSON.stringify({ params: { bytes: { $bin: r } } })
        const written = JSON.parse(text) as { params: { bytes: Record<string, unknown> } }
        const result = outcome(frameOf(utf8(text), body), REQUEST_HEADER_LIMITS)
        const at = written.params.bytes.$bin
        if (at === undefined) return void expect(result).toEqual({ value: written })
        const [start, length] = Array.isArray(at) ? (at as unknown[]) : []
        const inside =
          Array.isArray(at) &&
          at.length === 2 &&
          Number.isSafeInteger(start) &&
          Number.isSafeInteger(length) &&
          (start as number) >= 0 &&
          (length as number) >= 0 &&
          (start as number) + (length as number) <= body.byteLength
        if (!inside) return void expect(result).toEqual({ refused: 'malformed' })
        expect(result).toEqual({ value: { params: { bytes: body.slice(start as number, (start as number) + (length as number)) } } })
      }),
      { numRuns: 1000 },
    )
  })
  it('a length prefix over the header limit is refused, whatever follows; as too large when the bytes are there', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: REQUEST_HEADER_LIMITS.maxBytes + 1, max: 0xffffffff }),
        fc.uint8Array({ maxLength: 64 }),
        (claimed, rest) => {
          expect(outcome(frameOf(rest, new Uint8Array(0), claimed), REQUEST_HEADER_LIMITS)).toHaveProperty('refused')
        },
      ),
      { numRuns: 500 },
    )
    const over = new Uint8Array(REQUEST_HEADER_LIMITS.maxBytes + 1).fill(0x20)
    expect(outcome(frameOf(over, new Uint8Array(0)), REQUEST_HEADER_LIMITS)).toEqual({ refused: 'tooLarge' })
    expect(outcome(frameOf(over.subarray(1), new Uint8Array(0)), REQUEST_HEADER_LIMITS)).toEqual({ refused: 'malformed' })
  })
})

describe('encoding then decoding', () => {
  it('gives back the same value, bytes included, and the host limits accept it', () => {
    fc.assert(
      fc.property(wireValue, (value) => {
        expect(decodeFrame(encodeFrame(value))).toEqual(value)
        expect(decodeFrame(encodeFrame(value), REQUEST_HEADER_LIMITS)).toEqual(value)
      }),
      { numRuns: 1000 },
    )
  })
})

/** The values and nesting the limits are specified on, computed from the value rather than its bytes. */
function shape(value: unknown): { values: number; depth: number } {
  // values: each `,` or `:` of the JSON text introduces one, plus the root.
  const walk = (v: unknown): { extra: number; depth: number } => {
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array)
      return { extra: v instanceof Uint8Array ? 2 : 0, depth: v instanceof Uint8Array ? 2 : 0 }
    const children = Array.isArray(v) ? v : Object.values(v)
    const inner = children.map(walk)
    const separators = Array.isArray(v) ? Math.max(0, children.length - 1) : Math.max(0, 2 * children.length - 1)
    return {
      extra: separators + inner.reduce((sum, c) => sum + c.extra, 0),
      depth: 1 + inner.reduce((max, c) => Math.max(max, c.depth), 0),
    }
  }
  const { extra, depth } = walk(value)
  return { values: 1 + extra, depth }
}

describe('the header limits', () => {
  it('refuse a header exactly when it has more values or deeper nesting than allowed', () => {
    fc.assert(
      fc.property(wireValue, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 6 }), (value, maxValues, maxDepth) => {
        const limits = { maxBytes: REQUEST_HEADER_LIMITS.maxBytes, maxValues, maxDepth }
        const { values, depth } = shape(value)
        const expected = values > maxValues || depth > maxDepth ? { refused: 'tooLarge' } : { value }
        expect(outcome(encodeFrame(value), limits)).toEqual(expected)
      }),
      { numRuns: 2000 },
    )
  })
})

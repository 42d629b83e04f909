import { describe, expect, it } from 'vitest'
import { decodeFrame, encodeFrame, FrameDecodeError } from '../../../core/contract/wireCodec'

describe('WebSocket frames', () => {
  it('carry nested bytes as bytes and everything else as JSON', () => {
    const a = new Uint8Array([1, 2, 3])
    const b = new Uint8Array(1000).fill(7)
    const value = { id: 4, name: 'importImage', params: { bytes: a, list: [b, { c: 'x' }] } }
    const back = decodeFrame(encodeFrame(value)) as typeof value
    expect(back.id).toBe(4)
    expect(Array.from(back.params.bytes)).toEqual([1, 2, 3])
    expect(back.params.list[0]).toEqual(b)
    expect(back.params.list[1]).toEqual({ c: 'x' })
  })
  it('refuse a frame whose references point outside it', () => {
    const frame = encodeFrame({ x: new Uint8Array([9]) })
    expect(() => decodeFrame(frame.subarray(0, frame.byteLength - 1))).toThrow(FrameDecodeError)
  })
  it('refuse a frame shorter than its header', () => {
    const frame = encodeFrame({ hello: 'world' })
    expect(() => decodeFrame(frame.subarray(0, 10))).toThrow(FrameDecodeError)
    expect(() => decodeFrame(new Uint8Array(2))).toThrow(FrameDecodeError)
  })
})

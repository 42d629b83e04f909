import fc from 'fast-check'
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fromFloat32, toFloat32 } from '../../../../engine/weights/dtypes'
import { openSafetensors, readSafetensorsHeader, SafetensorsError } from '../../../../engine/weights/safetensors'
import { openSharded } from '../../../../engine/weights/sharded'
import { writeSafetensors } from '../../../../engine/weights/writer'

const tmp = mkdtempSync(join(tmpdir(), 'safetensors-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let n = 0
const path = (name = `f${n++}.safetensors`) => join(tmp, name)

/** A file from a raw header object and data bytes, for hostile inputs the writer would never make. */
function rawFile(header: unknown, data = new Uint8Array(0), headerLen?: bigint): string {
  const p = path()
  const json = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(headerLen ?? BigInt(json.byteLength))
  writeFileSync(p, Buffer.concat([len, json, data]))
  return p
}
const le16 = (...codes: number[]) => new Uint8Array(new Uint16Array(codes).buffer)

describe('dtype decoding (bit patterns from the format definitions)', () => {
  it('bf16, fp16, fp8 e4m3fn and e5m2 decode to the values their bits mean', () => {
    expect([...toFloat32(le16(0x3f80, 0xc000, 0x3e20, 0x7f80), 'BF16')]).toEqual([1, -2, 0.15625, Infinity])
    expect([...toFloat32(le16(0x3c00, 0xc000, 0x0001, 0x7bff, 0xfc00), 'F16')]).toEqual([1, -2, 2 ** -24, 65504, -Infinity])
    expect([...toFloat32(new Uint8Array([0x38, 0xb8, 0x7e, 0x01, 0x00]), 'F8_E4M3')]).toEqual([1, -1, 448, 2 ** -9, 0])
    expect(toFloat32(new Uint8Array([0x7f]), 'F8_E4M3')[0]).toBeNaN()
    expect([...toFloat32(new Uint8Array([0x3c, 0x7b, 0x7c, 0x01]), 'F8_E5M2')]).toEqual([1, 57344, Infinity, 2 ** -16])
  })

  it('encodes with round-to-nearest-even, the inverse of decoding on representable values', () => {
    expect([...fromFloat32([1, 1 + 2 ** -8, 1 + 3 * 2 ** -8], 'BF16')]).toEqual([...le16(0x3f80, 0x3f80, 0x3f82)])
    expect([...fromFloat32([1, 65520, 2 ** -25 * 3], 'F16')]).toEqual([...le16(0x3c00, 0x7c00, 0x0002)])
    expect([...fromFloat32([1, 500, -0.0019531], 'F8_E4M3')]).toEqual([0x38, 0x7e, 0x81])
  })
})

describe('safetensors reader', () => {
  it('round-trips every dtype with absolute, 8-aligned offsets and metadata', () => {
    const p = path()
    const values = [0.5, -1.25, 3, 0]
    writeSafetensors(
      p,
      [
        { name: 'a.f32', dtype: 'F32', shape: [2, 2], data: values },
        { name: 'b.f16', dtype: 'F16', shape: [4], data: values },
        { name: 'c.bf16', dtype: 'BF16', shape: [1, 4], data: values },
        { name: 'd.e4m3', dtype: 'F8_E4M3', shape: [4], data: values },
        { name: 'e.e5m2', dtype: 'F8_E5M2', shape: [4], data: values },
        { name: 'f.i64', dtype: 'I64', shape: [2], data: () => [7, -9] },
        { name: 'g.empty', dtype: 'F32', shape: [0, 3], data: [] },
      ],
      { format: 'pt' },
    )
    const st = openSafetensors(p)
    try {
      expect(st.metadata).toEqual({ format: 'pt' })
      expect(st.header.dataStart % 8).toBe(0)
      const a = st.tensors.get('a.f32')!
      expect(a).toMatchObject({ dtype: 'F32', shape: [2, 2], offset: st.header.dataStart, byteLength: 16 })
      expect(st.tensors.get('b.f16')!.offset).toBe(st.header.dataStart + 16)
      for (const name of ['a.f32', 'b.f16', 'c.bf16', 'd.e4m3', 'e.e5m2']) expect([...st.readFloat32(name)]).toEqual(values)
      expect([...st.readFloat32('f.i64')]).toEqual([7, -9])
      expect(st.readFloat32('g.empty')).toHaveLength(0)
      expect(st.readBytes('c.bf16')).toEqual(Buffer.from(le16(0x3f00, 0xbfa0, 0x4040, 0)))
      expect(() => st.readBytes('nope')).toThrow(/no tensor "nope"/)
    } finally {
      st.close()
    }
  })

  it('reads a tensor past 4 GiB by its offset without reading the file before it', () => {
    // A sparse file: the data section is mostly a hole; only the last tensor has bytes.
    const big = 4.5 * 2 ** 30
    const header = {
      huge: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
      tail: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
    }
    const p = rawFile(header)
    const json = Buffer.byteLength(JSON.stringify(header))
    truncateSync(p, 8 + json + big + 8)
    const fd = openSync(p, 'r+')
    writeSync(fd, Buffer.from(new Float32Array([2.5, -4]).buffer), 0, 8, 8 + json + big)
    closeSync(fd)
    const st = openSafetensors(p)
    expect(st.tensors.get('tail')!.offset).toBe(8 + json + big)
    expect([...st.readFloat32('tail')]).toEqual([2.5, -4])
    st.close()
  })

  const secret = 'SECRET_TENSOR_NAME'
  it.each([
    ['a header length above the bound', () => rawFile({}, undefined, 200n * 1024n * 1024n), /more than/],
    ['a header past the end of the file', () => rawFile({}, undefined, 4096n), /past the end/],
    ['a header that is not a JSON object', () => rawFile(['x']), /not a JSON object/],
    [
      'a header that is not JSON',
      () => {
        const p = path()
        const len = Buffer.alloc(8)
        len.writeBigUInt64LE(5n)
        writeFileSync(p, Buffer.concat([len, Buffer.from('{"a":')]))
        return p
      },
      /not valid JSON/,
    ],
    [
      'an unknown dtype',
      () => rawFile({ [secret]: { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /unsupported dtype/,
    ],
    [
      'offsets beyond the data',
      () => rawFile({ [secret]: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(4)),
      /outside the file/,
    ],
    [
      'a range that disagrees with the shape',
      () => rawFile({ [secret]: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(8)),
      /does not match/,
    ],
    [
      'overlapping tensors',
      () =>
        rawFile(
          { [secret]: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
          new Uint8Array(12),
        ),
      /overlap/,
    ],
    ['non-string metadata', () => rawFile({ __metadata__: { k: 1 } }), /__metadata__/],
    ['a negative dimension', () => rawFile({ [secret]: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), /invalid shape/],
  ])('refuses %s with a message that names the file, not its contents', (_, make, message) => {
    const p = make()
    let caught: unknown
    try {
      readSafetensorsHeader(p)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(SafetensorsError)
    expect((caught as Error).message).toMatch(message)
    expect((caught as Error).message).toMatch(/^f\d+\.safetensors: /)
    expect((caught as Error).message).not.toContain(secret)
  })

  it('never fails with anything but a SafetensorsError on arbitrary bytes after a plausible length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 300 }), (body, len) => {
        const p = join(tmp, 'fuzz.safetensors')
        const head = Buffer.alloc(8)
        head.writeBigUInt64LE(BigInt(len))
        writeFileSync(p, Buffer.concat([head, body]))
        try {
          readSafetensorsHeader(p)
        } catch (e) {
          return e instanceof SafetensorsError
        }
        return true
      }),
      { numRuns: 300 },
    )
  })
})

describe('sharded checkpoints', () => {
  const dir = mkdtempSync(join(tmp, 'sharded-'))
  writeSafetensors(join(dir, 'model-00001-of-00002.safetensors'), [{ name: 'x', dtype: 'BF16', shape: [2], data: [1, 2] }])
  writeSafetensors(join(dir, 'model-00002-of-00002.safetensors'), [{ name: 'y', dtype: 'F16', shape: [1], data: [3] }])
  const index = (weightMap: Record<string, string>, name = 'model.safetensors.index.json') => {
    const p = join(dir, name)
    writeFileSync(p, JSON.stringify({ metadata: { total_size: 6 }, weight_map: weightMap }))
    return p
  }

  it('resolves each tensor to its shard', () => {
    const w = openSharded(index({ x: 'model-00001-of-00002.safetensors', y: 'model-00002-of-00002.safetensors' }))
    expect([...w.readFloat32('x')]).toEqual([1, 2])
    expect([...w.readFloat32('y')]).toEqual([3])
    expect(w.tensors.get('y')!.file).toBe(join(dir, 'model-00002-of-00002.safetensors'))
    expect(w.metadata.total_size).toBe('6')
    w.close()
  })

  it.each([
    ['a shard outside the folder', { x: '../model-00001-of-00002.safetensors' }, /outside the folder/],
    ['an absolute shard path', { x: '/etc/passwd' }, /outside the folder/],
    ['a missing shard', { x: 'model-00003-of-00003.safetensors' }, /model-00003-of-00003\.safetensors is missing/],
    ['a tensor absent from its shard', { z: 'model-00001-of-00002.safetensors' }, /1 tensor\(s\).*not in that shard/],
  ])('refuses %s', (_, map, message) => {
    expect(() => openSharded(index(map, 'bad.safetensors.index.json'))).toThrow(message)
  })
})

/**
 * A minimal float32-only safetensors writer and reader for tests: weights and inputs go to the
 * Python reference in this format and its outputs come back in it. (The engine's own reader,
 * with bf16/fp16/fp8 and zero-copy views, lives in engine/weights/.) Format: u64 LE header
 * length, JSON header {name: {dtype, shape, data_offsets}}, then the raw little-endian data.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'

export interface F32Tensor {
  readonly shape: readonly number[]
  readonly data: Float32Array
}

export function writeF32Safetensors(path: string, tensors: ReadonlyMap<string, F32Tensor>): void {
  const header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> = {}
  let offset = 0
  for (const [name, t] of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1)
    if (n !== t.data.length) throw new Error(`${name}: ${t.data.length} values for shape [${t.shape.join(', ')}]`)
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] }
    offset += t.data.byteLength
  }
  let json = JSON.stringify(header)
  while ((8 + json.length) % 8 !== 0) json += ' ' // keeps the data 8-byte aligned, as the spec recommends
  const head = Buffer.from(json, 'utf8')
  const prefix = Buffer.alloc(8)
  prefix.writeBigUInt64LE(BigInt(head.length), 0)
  // Written tensor by tensor: a full-width checkpoint is gigabytes.
  const fd = openSync(path, 'w')
  try {
    writeAll(fd, prefix)
    writeAll(fd, head)
    for (const t of tensors.values()) writeAll(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
  } finally {
    closeSync(fd)
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30))
}

export function readF32Safetensors(path: string): Map<string, F32Tensor> {
  const buf = readFileSync(path)
  const len = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.subarray(8, 8 + len).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] }
  >
  const out = new Map<string, F32Tensor>()
  for (const [name, h] of Object.entries(header)) {
    if (name === '__metadata__') continue
    if (h.dtype !== 'F32') throw new Error(`${name}: dtype ${h.dtype}; this test reader takes F32 only`)
    const [a, b] = h.data_offsets
    const bytes = buf.subarray(8 + len + a, 8 + len + b)
    out.set(name, { shape: h.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) })
  }
  return out
}

/**
 * A small safetensors writer for tests and tools (random checkpoints, golden tensors). Tensors are
 * written in the order given, each from a byte array or a producer called when its turn comes, so a
 * full-width twin never holds more than one tensor in memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { DTYPE_BYTES, fromFloat32, type Dtype } from './dtypes'

export interface TensorToWrite {
  readonly name: string
  readonly dtype: Dtype
  readonly shape: readonly number[]
  /** Raw little-endian bytes, float values to encode as `dtype`, or a producer of either. */
  readonly data: Uint8Array | Float32Array | number[] | (() => Uint8Array | Float32Array | number[])
}

function bytesOf(t: TensorToWrite, count: number): Uint8Array {
  const d = typeof t.data === 'function' ? t.data() : t.data
  const bytes = d instanceof Uint8Array ? d : fromFloat32(d, t.dtype)
  if (bytes.byteLength !== count * DTYPE_BYTES[t.dtype]) {
    throw new Error(`Tensor ${t.name}: ${bytes.byteLength} bytes given for ${count} ${t.dtype} elements.`)
  }
  return bytes
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30))
}

export function writeSafetensors(file: string, tensors: readonly TensorToWrite[], metadata?: Record<string, string>): void {
  const header: Record<string, unknown> = {}
  if (metadata) header.__metadata__ = metadata
  let offset = 0
  const counts: number[] = []
  for (const t of tensors) {
    if (Object.hasOwn(header, t.name)) throw new Error(`Tensor ${t.name} is listed twice.`)
    const count = t.shape.reduce((a, b) => a * b, 1)
    const len = count * DTYPE_BYTES[t.dtype]
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + len] }
    counts.push(count)
    offset += len
  }
  let json = JSON.stringify(header)
  // Pad with spaces so the data starts 8-aligned, as the reference implementation does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8)
  const headerBytes = Buffer.from(json, 'utf8')
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(headerBytes.byteLength))
  const fd = openSync(file, 'w')
  try {
    writeAll(fd, len)
    writeAll(fd, headerBytes)
    tensors.forEach((t, i) => writeAll(fd, bytesOf(t, counts[i]!)))
  } finally {
    closeSync(fd)
  }
}

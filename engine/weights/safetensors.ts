/**
 * safetensors reader: the header is parsed and checked up front, tensor bytes are read lazily by
 * offset (never the whole file), so a 24 GB checkpoint costs a header read until a tensor is asked
 * for. `TensorInfo.offset` is absolute in the file, which is what ONNX external data needs.
 *
 * Format: u64 little-endian header length N, N bytes of JSON `{name: {dtype, shape, data_offsets:
 * [begin, end]}, "__metadata__"?: {string: string}}`, then the data; offsets are relative to 8 + N.
 * Error messages name the file (by base name) and the fault, never the file's contents.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { basename } from 'node:path'
import { DTYPE_BYTES, isDtype, toFloat32, type Dtype } from './dtypes'

/** Refuse headers above this: real ones are a few MB (T5-XXL's is ~40 KB; 100 MB is far beyond any). */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024

export interface TensorInfo {
  readonly name: string
  readonly dtype: Dtype
  readonly shape: readonly number[]
  /** The file holding the bytes (absolute path as opened). */
  readonly file: string
  /** Byte offset of the first element in `file`. */
  readonly offset: number
  readonly byteLength: number
}

export class SafetensorsError extends Error {
  constructor(file: string, problem: string) {
    super(`${basename(file)}: ${problem}`)
    this.name = 'SafetensorsError'
  }
}

export interface SafetensorsHeader {
  readonly file: string
  readonly fileSize: number
  /** 8 + header length: where the data section starts. */
  readonly dataStart: number
  readonly tensors: ReadonlyMap<string, TensorInfo>
  readonly metadata: Readonly<Record<string, string>>
}

const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

function readExactly(fd: number, length: number, position: number, file: string): Buffer {
  const buf = Buffer.alloc(length)
  let done = 0
  while (done < length) {
    // Bounded chunks: readSync refuses lengths above 2 GiB.
    const n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done)
    if (n === 0) throw new SafetensorsError(file, 'the file ended early (truncated download?).')
    done += n
  }
  return buf
}

/** Parses and validates the header of an open file. */
function parseHeader(fd: number, file: string): SafetensorsHeader {
  const fileSize = fstatSync(fd).size
  if (fileSize < 8) throw new SafetensorsError(file, 'too short to be a safetensors file.')
  const lenBuf = readExactly(fd, 8, 0, file)
  const headerLen = lenBuf.readBigUInt64LE(0)
  if (headerLen > BigInt(MAX_HEADER_BYTES))
    throw new SafetensorsError(file, `the header claims more than ${MAX_HEADER_BYTES} bytes; not a safetensors file.`)
  const n = Number(headerLen)
  if (8 + n > fileSize) throw new SafetensorsError(file, 'the header runs past the end of the file (truncated download?).')
  let json: unknown
  try {
    json = JSON.parse(readExactly(fd, n, 8, file).toString('utf8'))
  } catch {
    throw new SafetensorsError(file, 'the header is not valid JSON; not a safetensors file.')
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SafetensorsError(file, 'the header is not a JSON object.')
  const dataStart = 8 + n
  const dataLen = fileSize - dataStart
  const tensors = new Map<string, TensorInfo>()
  let metadata: Record<string, string> = {}
  const spans: [number, number][] = []
  let index = 0
  for (const [name, entry] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === 'string')) {
        throw new SafetensorsError(file, '__metadata__ must map strings to strings.')
      }
      metadata = { ...(entry as Record<string, string>) }
      continue
    }
    index++
    const where = `tensor #${index}`
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null
    if (!e || typeof e !== 'object') throw new SafetensorsError(file, `${where} is not an object.`)
    if (!isDtype(e.dtype)) throw new SafetensorsError(file, `${where} has an unsupported dtype.`)
    const shape = e.shape
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `${where} has an invalid shape.`)
    }
    const offs = e.data_offsets
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(file, `${where} has invalid data_offsets.`)
    }
    const [begin, end] = offs as [number, number]
    if (begin > end || end > dataLen) throw new SafetensorsError(file, `${where} lies outside the file's data (truncated download?).`)
    const byteLength = elementCount(shape as number[]) * DTYPE_BYTES[e.dtype]
    if (end - begin !== byteLength) throw new SafetensorsError(file, `${where}: its byte range does not match its shape and dtype.`)
    spans.push([begin, end])
    tensors.set(name, { name, dtype: e.dtype, shape: [...(shape as number[])], file, offset: dataStart + begin, byteLength })
  }
  spans.sort((a, b) => a[0] - b[0] || a[1] - b[1])
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1]!
    const cur = spans[i]!
    // Zero-length tensors may share an offset; real ranges may not overlap.
    if (cur[0] < prev[1] && cur[1] > cur[0])
      throw new SafetensorsError(file, 'two tensors overlap in the data section; the file is corrupt.')
  }
  return { file, fileSize, dataStart, tensors, metadata }
}

/** Reads and validates only the header (for detection); the file is closed again. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = openSync(file, 'r')
  try {
    return parseHeader(fd, file)
  } finally {
    closeSync(fd)
  }
}

/** Anything that resolves tensor names to bytes: one file, or a sharded set. */
export interface WeightSource {
  readonly tensors: ReadonlyMap<string, TensorInfo>
  readonly metadata: Readonly<Record<string, string>>
  /** The tensor's raw little-endian bytes, read from disk now. */
  readBytes(name: string): Buffer
  /** The tensor as float32, converting bf16/fp16/fp8 (and integers) by value. */
  readFloat32(name: string): Float32Array
  close(): void
}

/** Reads tensors from their files through one descriptor per file, opened on first use. */
export class TensorReader {
  private readonly fds = new Map<string, number>()
  constructor(readonly tensors: ReadonlyMap<string, TensorInfo>) {}

  info(name: string): TensorInfo {
    const t = this.tensors.get(name)
    if (!t) throw new Error(`The checkpoint has no tensor ${JSON.stringify(name)}.`)
    return t
  }
  readBytes(name: string): Buffer {
    const t = this.info(name)
    let fd = this.fds.get(t.file)
    if (fd === undefined) {
      fd = openSync(t.file, 'r')
      this.fds.set(t.file, fd)
    }
    return readExactly(fd, t.byteLength, t.offset, t.file)
  }
  readFloat32(name: string): Float32Array {
    return toFloat32(this.readBytes(name), this.info(name).dtype)
  }
  close(): void {
    for (const fd of this.fds.values()) closeSync(fd)
    this.fds.clear()
  }
}

/** Opens one safetensors file: header now, tensor bytes on demand. Call `close()` when done. */
export function openSafetensors(file: string): WeightSource & { readonly header: SafetensorsHeader } {
  const header = readSafetensorsHeader(file)
  const reader = new TensorReader(header.tensors)
  return {
    header,
    tensors: header.tensors,
    metadata: header.metadata,
    readBytes: (name) => reader.readBytes(name),
    readFloat32: (name) => reader.readFloat32(name),
    close: () => reader.close(),
  }
}

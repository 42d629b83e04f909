/**
 * Where a graph builder gets a checkpoint's tensors: by name, with their shape, as float32.
 * The safetensors reader implements this interface; tests implement it over tensors held in
 * memory. Shapes are asked for separately so an architecture's sizes can be read without
 * touching the weights.
 */

export interface SourceTensor {
  /** The checkpoint's own dtype (e.g. 'F32', 'BF16'); `data` is always float32. */
  readonly dtype: string
  readonly shape: readonly number[]
  readonly data: Float32Array
}

/** Where a tensor's float32 bytes lie verbatim in a file (what ONNX external data can point at). */
export interface StoredTensor {
  readonly file: string
  readonly offset: number
  readonly byteLength: number
}

export interface TensorSource {
  names(): readonly string[]
  /** The shape of `name`, or undefined when the checkpoint has no such tensor. */
  shape(name: string): readonly number[] | undefined
  /** The tensor converted to float32; throws when it is missing. */
  get(name: string): SourceTensor
  /** Where `name` is stored as float32 exactly as `get` returns it, when it is (a float32 checkpoint file). */
  stored?(name: string): StoredTensor | undefined
}

/** A weight read on demand; `stored` says where the same bytes are in a file, when they are. */
export type TensorRead = (() => Float32Array) & { readonly stored?: StoredTensor }

/** A TensorSource over tensors already in memory. */
export function memoryTensorSource(tensors: ReadonlyMap<string, SourceTensor>): TensorSource {
  return {
    names: () => [...tensors.keys()],
    shape: (name) => tensors.get(name)?.shape,
    get(name) {
      const t = tensors.get(name)
      if (!t) throw new Error(`the checkpoint has no tensor ${name}`)
      return t
    },
  }
}

/** A checkpoint that does not fit the architecture: says which tensor and what was expected. */
export class CheckpointShapeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CheckpointShapeError'
  }
}

const fmt = (s: readonly number[] | undefined) => (s ? `[${s.join(', ')}]` : 'missing')

/** The shape of a tensor that must exist; `rank` is checked when given. */
export function requireShape(src: TensorSource, name: string, rank?: number): readonly number[] {
  const s = src.shape(name)
  if (!s)
    throw new CheckpointShapeError(
      `the checkpoint has no tensor ${name}; is this file the model the component expects (a FLUX transformer in BFL's layout)?`,
    )
  if (rank !== undefined && s.length !== rank)
    throw new CheckpointShapeError(`tensor ${name} has shape ${fmt(s)}, expected ${rank} dimensions`)
  return s
}

/**
 * Checks now that tensor `name` has exactly `shape`, and returns a function that reads it (as
 * float32) when called — graph builders read weights only while serialising.
 */
export function tensorReader(src: TensorSource, name: string, shape: readonly number[]): TensorRead {
  const s = requireShape(src, name)
  if (s.length !== shape.length || s.some((d, i) => d !== shape[i]))
    throw new CheckpointShapeError(`tensor ${name} has shape ${fmt(s)}, expected ${fmt(shape)}`)
  const n = shape.reduce((a, b) => a * b, 1)
  const read = () => {
    const t = src.get(name)
    if (t.data.length !== n) throw new CheckpointShapeError(`tensor ${name} holds ${t.data.length} values, expected ${n}`)
    return t.data
  }
  const stored = src.stored?.(name)
  return stored && stored.byteLength === 4 * n ? Object.assign(read, { stored }) : read
}

/** The number of consecutive blocks `prefix.0.`, `prefix.1.`, … present in the checkpoint. */
export function countBlocks(src: TensorSource, prefix: string): number {
  const seen = new Set<number>()
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)\\.`)
  for (const n of src.names()) {
    const m = re.exec(n)
    if (m) seen.add(Number(m[1]))
  }
  let k = 0
  while (seen.has(k)) k++
  if (k !== seen.size)
    throw new CheckpointShapeError(`blocks ${prefix}.* are not numbered 0…${seen.size - 1} without gaps (found ${k} in a row)`)
  return k
}

/**
 * The shape of the engine's safetensors reader (engine/weights/: one file or a sharded set),
 * stated structurally so this module does not depend on it.
 */
export interface FloatWeightReader {
  readonly tensors: ReadonlyMap<
    string,
    {
      readonly dtype: string
      readonly shape: readonly number[]
      readonly file?: string
      readonly offset?: number
      readonly byteLength?: number
    }
  >
  /** The tensor as float32, converted from the file's dtype. */
  readFloat32(name: string): Float32Array
}

/** A TensorSource over a checkpoint file: shapes from its header, data read when asked for. */
export function readerTensorSource(reader: FloatWeightReader): TensorSource {
  return {
    names: () => [...reader.tensors.keys()],
    shape: (name) => reader.tensors.get(name)?.shape,
    get(name) {
      const info = reader.tensors.get(name)
      if (!info) throw new Error(`the checkpoint has no tensor ${name}`)
      return { dtype: info.dtype, shape: info.shape, data: reader.readFloat32(name) }
    },
    stored(name) {
      const info = reader.tensors.get(name)
      if (info?.dtype !== 'F32' || info.file === undefined || info.offset === undefined || info.byteLength === undefined) return undefined
      return { file: info.file, offset: info.offset, byteLength: info.byteLength }
    },
  }
}

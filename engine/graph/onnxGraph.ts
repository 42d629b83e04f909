/**
 * A small ONNX graph builder: nodes, float32/int64 initializers, typed inputs and outputs with
 * symbolic dims, serialised with onnx-proto into the bytes onnxruntime opens. The engine builds
 * its graphs from an architecture definition and a checkpoint's tensors instead of shipping
 * exported files, so everything here is plain data until `toBytes()`.
 *
 * Value names are generated from a scope prefix (e.g. `double_blocks.3.img_attn`) so a failing
 * node in onnxruntime's error message points back at the block that built it.
 */
import onnxProto from 'onnx-proto'
import { addCounts, float32ToFp16, NO_COUNTS, type Fp16Counts } from '../precision/bf16ToFp16'

const { onnx } = onnxProto

/** ONNX opset of the default domain; 17 brings LayerNormalization. */
export const OPSET = 17
export const MS_DOMAIN = 'com.microsoft'

export type Dim = number | string
export type ElemType = 'float32' | 'float16' | 'int64'
/** The element types a weight or a float constant can have. */
export type FloatType = 'float32' | 'float16'

const ELEM: Record<ElemType, number> = { float32: 1, float16: 10, int64: 7 }

/** A tagged attribute value: ONNX distinguishes int from float, JavaScript numbers do not. */
export type Attr =
  | { readonly kind: 'i'; readonly v: number }
  | { readonly kind: 'f'; readonly v: number }
  | { readonly kind: 'ints'; readonly v: readonly number[] }
  | { readonly kind: 'floats'; readonly v: readonly number[] }
  | { readonly kind: 's'; readonly v: string }

export const attr = {
  i: (v: number): Attr => ({ kind: 'i', v }),
  f: (v: number): Attr => ({ kind: 'f', v }),
  ints: (v: readonly number[]): Attr => ({ kind: 'ints', v }),
  floats: (v: readonly number[]): Attr => ({ kind: 'floats', v }),
  s: (v: string): Attr => ({ kind: 's', v }),
}

export interface NodeOptions {
  readonly domain?: string
  /** Number of outputs (default 1). */
  readonly outputs?: number
  /** Overrides the generated output names (graph outputs need their exact name). */
  readonly outputNames?: readonly string[]
}

interface Initializer {
  readonly name: string
  readonly dims: readonly number[]
  readonly type: ElemType
  readonly byteLength: number
  /** The raw bytes, produced when serialising (weights are read from the checkpoint only then). */
  readonly bytes: () => Uint8Array
  /** Where the same bytes already are in a file (a float32 checkpoint), if they are. */
  readonly stored?: StoredBytes
}

/** A weight's bytes verbatim in a file (a float32 safetensors tensor). */
export interface StoredBytes {
  readonly file: string
  readonly offset: number
  readonly byteLength: number
}

/** Given a weight's place in its source file, returns how the graph names it there, or null to copy the bytes. */
export type ReferStored = (stored: StoredBytes) => ExternalPlacement | null

/** Where an initializer's bytes went when they are not inline in the model. */
export interface ExternalPlacement {
  readonly location: string
  readonly offset: number
  readonly length: number
}

/** Called once per initializer of at least `minBytes`, in order; returns where the bytes were put. */
export type PlaceExternal = (name: string, bytes: Uint8Array) => ExternalPlacement

interface ValueInfo {
  readonly name: string
  readonly dims: readonly Dim[]
  readonly type: ElemType
}

interface NodeSpec {
  readonly op: string
  readonly name: string
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  readonly attrs: Readonly<Record<string, Attr>>
  readonly domain: string
}

const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array => {
  // ONNX raw_data is little-endian; so are the typed arrays on every platform onnxruntime supports.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength)
}

export class GraphBuilder {
  private readonly nodes: NodeSpec[] = []
  private readonly inits: Initializer[] = []
  private readonly ins: ValueInfo[] = []
  private readonly outs: ValueInfo[] = []
  private readonly used = new Set<string>()
  private readonly constCache = new Map<string, string>()
  /** What converting each float16 weight lost, recorded when its bytes are produced (once per weight). */
  private readonly fp16Lost = new Map<string, Fp16Counts>()
  private counter = 0
  private scopeStack: string[] = []

  constructor(private readonly graphName: string) {}

  /** Runs `fn` with names prefixed by `scope` (nested scopes join with '.'). */
  scoped<T>(scope: string, fn: () => T): T {
    this.scopeStack.push(scope)
    try {
      return fn()
    } finally {
      this.scopeStack.pop()
    }
  }

  private fresh(base: string): string {
    const prefix = this.scopeStack.length ? `${this.scopeStack.join('.')}/` : ''
    let name = `${prefix}${base}`
    while (this.used.has(name)) name = `${prefix}${base}_${++this.counter}`
    this.used.add(name)
    return name
  }

  private claim(name: string): string {
    if (this.used.has(name)) throw new Error(`graph ${this.graphName}: the name ${name} is used twice`)
    this.used.add(name)
    return name
  }

  input(name: string, dims: readonly Dim[], type: ElemType = 'float32'): string {
    this.ins.push({ name: this.claim(name), dims, type })
    return name
  }

  /** Declares `value` a graph output named `name` (through an Identity when the names differ). */
  output(value: string, name: string, dims: readonly Dim[], type: ElemType = 'float32'): void {
    if (value !== name) this.node('Identity', [value], {}, { outputNames: [name] })
    this.outs.push({ name, dims, type })
  }

  /**
   * A named weight, float32 or float16. `data` may be a function: it is then called only when the
   * graph is serialised, one weight at a time, so a large checkpoint is never held in memory whole.
   * A float16 weight is converted from the float32 values then, clamping past ±65504 and flushing
   * below fp16's subnormals, and what that lost is counted (`fp16Counts`).
   */
  weight(
    name: string,
    dims: readonly number[],
    data: Float32Array | ((() => Float32Array) & { readonly stored?: StoredBytes }),
    type: FloatType = 'float32',
  ): string {
    const n = dims.reduce((a, b) => a * b, 1)
    const produce = () => {
      const d = typeof data === 'function' ? data() : data
      if (n !== d.length) throw new Error(`initializer ${name}: ${d.length} values for dims [${dims.join(', ')}]`)
      if (type === 'float32') return bytesOf(d)
      const half = float32ToFp16(d)
      this.fp16Lost.set(name, half.counts)
      return half.bytes
    }
    if (typeof data !== 'function') produce()
    const stored = type === 'float32' && typeof data === 'function' && data.stored?.byteLength === 4 * n ? data.stored : undefined
    const byteLength = (type === 'float32' ? 4 : 2) * n
    this.inits.push({ name: this.claim(name), dims, type, byteLength, bytes: produce, ...(stored ? { stored } : {}) })
    return name
  }

  /** A float32 constant, shared when the same values are asked for twice. */
  constF32(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length]): string {
    return this.constFloat(values, dims, 'float32')
  }

  /** A float constant of the given type (float16 constants are small numbers such as 0.5 and 1: exact or rounded once). */
  constFloat(values: readonly number[] | Float32Array, dims: readonly number[] = [values.length], type: FloatType = 'float32'): string {
    const key = `${type}:${dims.join(',')}:${Array.from(values).join(',')}`
    const cached = this.constCache.get(key)
    if (cached) return cached
    const name = this.fresh(type === 'float32' ? 'const_f32' : 'const_f16')
    const f = Float32Array.from(values)
    const bytes = type === 'float32' ? bytesOf(f) : float32ToFp16(f).bytes
    this.inits.push({ name, dims, type, byteLength: bytes.byteLength, bytes: () => bytes })
    this.constCache.set(key, name)
    return name
  }

  /** `x` as `to` (the caller knows x's type; a Cast to the same type is never asked for). */
  cast(x: string, to: FloatType): string {
    return this.op('Cast', [x], { to: attr.i(ELEM[to]) })
  }

  /** What converting the float16 weights lost, over the weights serialised so far. */
  get fp16Counts(): Fp16Counts {
    return [...this.fp16Lost.values()].reduce(addCounts, NO_COUNTS)
  }

  /** An int64 constant (shapes, axes, slice bounds). */
  constI64(values: readonly (number | bigint)[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join(',')}:${values.join(',')}`
    const cached = this.constCache.get(key)
    if (cached) return cached
    const name = this.fresh('const_i64')
    const bytes = bytesOf(BigInt64Array.from(values.map((v) => BigInt(v))))
    this.inits.push({ name, dims, type: 'int64', byteLength: bytes.byteLength, bytes: () => bytes })
    this.constCache.set(key, name)
    return name
  }

  /** Adds a node and returns its output names. */
  node(op: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, opts: NodeOptions = {}): string[] {
    const count = opts.outputNames?.length ?? opts.outputs ?? 1
    const outputs = opts.outputNames ? opts.outputNames.map((n) => this.claim(n)) : []
    for (let i = outputs.length; i < count; i++) outputs.push(this.fresh(count > 1 ? `${op}_${i}` : op))
    const name = this.fresh(`${op}_node`)
    this.nodes.push({ op, name, inputs, outputs, attrs, domain: opts.domain ?? '' })
    return outputs
  }

  /** Adds a single-output node and returns that output's name. */
  op(op: string, inputs: readonly string[], attrs: Readonly<Record<string, Attr>> = {}, domain?: string): string {
    return this.node(op, inputs, attrs, domain === undefined ? {} : { domain })[0] as string
  }

  get stats(): { nodes: number; initializers: number; weightBytes: number; float16Bytes: number } {
    return {
      nodes: this.nodes.length,
      initializers: this.inits.length,
      weightBytes: this.inits.reduce((s, i) => s + i.byteLength, 0),
      float16Bytes: this.inits.reduce((s, i) => s + (i.type === 'float16' ? i.byteLength : 0), 0),
    }
  }

  /** Serialises the model (IR 8, opset 17 + com.microsoft 1) with every weight inline (< 2 GB in all). */
  toBytes(): Uint8Array {
    return this.serialise(null, Infinity)
  }

  /**
   * Serialises the model with each initializer of at least `minBytes` handed to `place` (which
   * writes it to a weights file) and referenced as ONNX external data; the rest stay inline.
   */
  toBytesWithExternalData(place: PlaceExternal, minBytes = 1024, refer?: ReferStored): Uint8Array {
    return this.serialise(place, minBytes, refer)
  }

  private serialise(place: PlaceExternal | null, minBytes: number, refer?: ReferStored): Uint8Array {
    const initializer = (i: Initializer): onnxProto.onnx.ITensorProto => {
      const base = { name: i.name, dims: [...i.dims], dataType: ELEM[i.type] }
      if (!place || i.byteLength < minBytes) return { ...base, rawData: i.bytes() }
      // Weights already in a file are pointed at there and never read.
      const at = (i.stored && refer?.(i.stored)) || place(i.name, i.bytes())
      const entry = (key: string, value: string) => ({ key, value })
      return {
        ...base,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [entry('location', at.location), entry('offset', String(at.offset)), entry('length', String(at.length))],
      }
    }
    const valueInfo = (v: ValueInfo): onnxProto.onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: ELEM[v.type],
          shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    })
    const attribute = (name: string, a: Attr): onnxProto.onnx.IAttributeProto => {
      const T = onnx.AttributeProto.AttributeType
      switch (a.kind) {
        case 'i':
          return { name, type: T.INT, i: a.v }
        case 'f':
          return { name, type: T.FLOAT, f: a.v }
        case 'ints':
          return { name, type: T.INTS, ints: [...a.v] }
        case 'floats':
          return { name, type: T.FLOATS, floats: [...a.v] }
        case 's':
          return { name, type: T.STRING, s: new TextEncoder().encode(a.v) }
      }
    }
    const model: onnxProto.onnx.IModelProto = {
      irVersion: 8,
      producerName: 'kontext-studio',
      opsetImport: [
        { domain: '', version: OPSET },
        { domain: MS_DOMAIN, version: 1 },
      ],
      graph: {
        name: this.graphName,
        input: this.ins.map(valueInfo),
        output: this.outs.map(valueInfo),
        initializer: this.inits.map(initializer),
        node: this.nodes.map((n) => ({
          opType: n.op,
          name: n.name,
          domain: n.domain,
          input: [...n.inputs],
          output: [...n.outputs],
          attribute: Object.entries(n.attrs).map(([k, v]) => attribute(k, v)),
        })),
      },
    }
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish()
  }
}

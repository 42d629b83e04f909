/**
 * A pass over a serialised ONNX model: every `MatMul` whose second input is a 2-D float32
 * initializer (the engine's nn.Linear weights, stored [in, out]) becomes a `com.microsoft`
 * `MatMulNBits` node with the weight block-quantised to 4 or 8 bits. Everything else — the
 * activations, attention's MatMuls on computed values, convolutions, embeddings, norms — stays
 * float32. Working on the serialised model rather than inside the builders keeps the pass
 * independent of how each architecture is written, and lets the same code run on a graph held in
 * memory and on a `.onnx` + `.weights` pair on disk.
 */
import onnxProto from 'onnx-proto'
import type { PlaceExternal } from '../graph/onnxGraph'
import { quantiseBlocks, type QuantBits } from './blockQuant'

const { onnx } = onnxProto
type Tensor = onnxProto.onnx.ITensorProto
type LongLike = number | { toNumber(): number }

const FLOAT = 1
const UINT8 = 2
const MS_DOMAIN = 'com.microsoft'

export interface QuantiseSettings {
  readonly bits: QuantBits
  readonly blockSize: number
}

export interface QuantiseReport {
  /** MatMul nodes whose weight is an initializer (what could be quantised). */
  readonly weightMatMuls: number
  readonly quantised: number
  /** float32 bytes of the weights replaced, and the bytes they take quantised (B + scales + zero points). */
  readonly floatBytes: number
  readonly quantisedBytes: number
}

/** Reads the bytes of an initializer stored as external data (location is relative to the graph). */
export type ReadExternal = (location: string, offset: number, length: number) => Uint8Array

const num = (v: LongLike | null | undefined): number => (v == null ? 0 : typeof v === 'number' ? v : v.toNumber())

function externalEntry(t: Tensor, key: string): string | undefined {
  return t.externalData?.find((e) => e.key === key)?.value ?? undefined
}

function tensorBytes(t: Tensor, readExternal: ReadExternal | undefined): Uint8Array {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    if (!readExternal) throw new Error(`initializer ${t.name} is external data and no weights file was given`)
    const location = externalEntry(t, 'location')
    const length = Number(externalEntry(t, 'length') ?? NaN)
    if (!location || !Number.isFinite(length)) throw new Error(`initializer ${t.name}: external data without location or length`)
    return readExternal(location, Number(externalEntry(t, 'offset') ?? 0), length)
  }
  if (t.rawData && t.rawData.length) return t.rawData
  if (t.floatData && t.floatData.length) return new Uint8Array(Float32Array.from(t.floatData).buffer)
  return new Uint8Array(0)
}

/** A Buffer's `slice` is a view into a shared pool, so an unaligned one is copied by hand. */
function asFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return new Float32Array(copy.buffer)
}

const attrInt = (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i })

/**
 * Rewrites the model's weight MatMuls. `readExternal` resolves external-data initializers;
 * `place` (when given) receives every initializer of at least 1 KiB, as `toBytesWithExternalData`
 * does, so a large graph is written back as a new `.onnx` + `.weights` pair.
 */
export function quantiseModel(
  modelBytes: Uint8Array,
  settings: QuantiseSettings,
  io: { readExternal?: ReadExternal; place?: PlaceExternal } = {},
): { bytes: Uint8Array; report: QuantiseReport } {
  const model = onnx.ModelProto.decode(modelBytes)
  const graph = model.graph
  if (!graph) throw new Error('the model has no graph')
  const inits = new Map<string, Tensor>()
  for (const t of graph.initializer ?? []) inits.set(t.name ?? '', t)
  // A weight read by anything other than one MatMul is left alone (its float copy is still needed).
  const uses = new Map<string, number>()
  for (const n of graph.node ?? []) for (const i of n.input ?? []) uses.set(i, (uses.get(i) ?? 0) + 1)

  // With `place`, each tensor goes to the weights file as soon as it exists, so a large graph's
  // quantised weights are never all in memory at once.
  const finish = (t: Tensor): Tensor => {
    const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL
    if (!io.place && !external) return t
    const bytes = tensorBytes(t, io.readExternal)
    const base = { name: t.name ?? '', dims: t.dims ?? [], dataType: t.dataType ?? FLOAT }
    if (!io.place || bytes.byteLength < 1024) return { ...base, rawData: bytes }
    const at = io.place(base.name, bytes)
    return {
      ...base,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: at.location },
        { key: 'offset', value: String(at.offset) },
        { key: 'length', value: String(at.length) },
      ],
    }
  }
  const replaced = new Set<string>()
  const added: Tensor[] = []
  let weightMatMuls = 0
  let floatBytes = 0
  let quantisedBytes = 0
  const nodes = (graph.node ?? []).map((n) => {
    const w = n.opType === 'MatMul' && (n.domain ?? '') === '' ? inits.get(n.input?.[1] ?? '') : undefined
    if (!w || w.dataType !== FLOAT || (w.dims ?? []).length !== 2) return n
    weightMatMuls++
    const name = w.name ?? ''
    // Only a layer's weight (the builders name them `….weight`): a constant the graph computes with,
    // such as the transformer's [3, n] RoPE frequencies, would only move positions if quantised.
    if (uses.get(name) !== 1 || !name.endsWith('.weight')) return n
    const [K, N] = (w.dims ?? []).map(num) as [number, number]
    const q = quantiseBlocks(asFloat32(tensorBytes(w, io.readExternal)), K, N, settings.bits, settings.blockSize)
    replaced.add(name)
    floatBytes += K * N * 4
    quantisedBytes += q.b.byteLength + q.scales.byteLength + q.zeroPoints.byteLength
    const blob = (q.blockSize * q.bits) / 8
    added.push(
      ...[
        { name: `${name}.q${q.bits}`, dims: [N, q.kBlocks, blob], dataType: UINT8, rawData: q.b },
        { name: `${name}.scales`, dims: [N * q.kBlocks], dataType: FLOAT, rawData: new Uint8Array(q.scales.buffer) },
        { name: `${name}.zero_points`, dims: [q.zeroPoints.length], dataType: UINT8, rawData: q.zeroPoints },
      ].map(finish),
    )
    return onnx.NodeProto.create({
      opType: 'MatMulNBits',
      domain: MS_DOMAIN,
      name: `${n.name ?? name}.nbits`,
      input: [n.input?.[0] ?? '', `${name}.q${q.bits}`, `${name}.scales`, `${name}.zero_points`],
      output: n.output ?? [],
      attribute: [attrInt('K', K), attrInt('N', N), attrInt('bits', q.bits), attrInt('block_size', q.blockSize)],
    })
  })

  const kept = (graph.initializer ?? []).filter((t) => !replaced.has(t.name ?? ''))
  const initializer = [...kept.map(finish), ...added]
  const hasMs = (model.opsetImport ?? []).some((o) => o.domain === MS_DOMAIN)
  const out = onnx.ModelProto.create({
    ...model,
    opsetImport: hasMs ? model.opsetImport : [...(model.opsetImport ?? []), { domain: MS_DOMAIN, version: 1 }],
    graph: { ...graph, node: nodes, initializer },
  })
  return {
    bytes: onnx.ModelProto.encode(out).finish(),
    report: { weightMatMuls, quantised: replaced.size, floatBytes, quantisedBytes },
  }
}

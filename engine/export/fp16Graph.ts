/**
 * A bfloat16 ONNX graph made float16, once, at import — for providers without bf16 kernels (CPU,
 * DirectML, WebGPU; see engine/precision/plan.ts). Every bf16 weight is converted (counted:
 * clamped past ±65504, flushed to zero below 2^-24) into a new external-data file beside the
 * graph; the original weights file is only read. Casts to bf16 become casts to fp16, bf16 value
 * types become fp16, bf16 constants are converted. A graph that names bf16 anywhere else (an op's
 * dtype attribute) is refused with the op's name rather than half converted.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { isAbsolute, join, normalize } from 'node:path'
import type { onnx } from 'onnx-proto'
import { addCounts, bf16ToFp16, NO_COUNTS, type Fp16Counts } from '../precision/bf16ToFp16'
import { ELEM } from './boundaries'

const ALIGN = 64
const EXTERNAL = 1

export interface Fp16Conversion {
  readonly model: onnx.IModelProto
  /** Weight tensors converted. */
  readonly tensors: number
  readonly counts: Fp16Counts
}

/** Bytes per element type for the float types that may be stored (everything else is refused). */
function readExternal(graphDir: string, t: onnx.ITensorProto, fds: Map<string, number>): Uint8Array {
  const entry = (k: string) => t.externalData?.find((e) => e.key === k)?.value
  const location = entry('location')
  if (!location) throw new Error(`weight ${t.name} is external but names no file`)
  const norm = normalize(location)
  if (isAbsolute(norm) || norm.startsWith('..')) throw new Error(`weight ${t.name}'s data file lies outside the graph's folder`)
  const offset = Number(entry('offset') ?? 0)
  const length = Number(entry('length') ?? NaN)
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) throw new Error(`weight ${t.name} has no usable offset/length`)
  let fd = fds.get(norm)
  if (fd === undefined) fds.set(norm, (fd = openSync(join(graphDir, norm), 'r')))
  const out = new Uint8Array(length)
  for (let done = 0; done < length;) {
    const n = readSync(fd, out, done, length - done, offset + done)
    if (n === 0) throw new Error(`weight ${t.name}'s data ends early in ${norm}`)
    done += n
  }
  return out
}

/**
 * Converts `model` (whose file lies in `graphDir`); converted external weights go to
 * `graphDir/dataName` (written, 64-byte aligned), inline ones stay inline.
 */
export function bf16GraphToFp16(model: onnx.IModelProto, graphDir: string, dataName: string): Fp16Conversion {
  const fds = new Map<string, number>()
  const out = openSync(join(graphDir, dataName), 'w')
  let offset = 0
  let tensors = 0
  let counts = NO_COUNTS
  const refused: string[] = []

  const tensor = (t: onnx.ITensorProto): onnx.ITensorProto => {
    if (t.dataType !== ELEM.bfloat16) return t
    const external = t.dataLocation === EXTERNAL
    let raw: Uint8Array
    if (external) raw = readExternal(graphDir, t, fds)
    else if (t.rawData?.length) raw = t.rawData
    else {
      // bf16 in int32_data: one value per int32, in its low 16 bits (the ONNX spec's layout).
      raw = new Uint8Array(new Uint16Array((t.int32Data ?? []).map((x) => x & 0xffff)).buffer)
    }
    const c = bf16ToFp16(raw)
    counts = addCounts(counts, c.counts)
    tensors++
    const base = { ...t, dataType: ELEM.float16, int32Data: [] }
    if (!external) return { ...base, rawData: c.bytes }
    const at = Math.ceil(offset / ALIGN) * ALIGN
    for (let done = 0; done < c.bytes.byteLength;) done += writeSync(out, c.bytes, done, c.bytes.byteLength - done, at + done)
    offset = at + c.bytes.byteLength
    return {
      ...base,
      externalData: [
        { key: 'location', value: dataName },
        { key: 'offset', value: String(at) },
        { key: 'length', value: String(c.bytes.byteLength) },
      ],
    }
  }

  const valueInfo = (v: onnx.IValueInfoProto): onnx.IValueInfoProto =>
    v.type?.tensorType?.elemType === ELEM.bfloat16
      ? { ...v, type: { ...v.type, tensorType: { ...v.type.tensorType, elemType: ELEM.float16 } } }
      : v

  const node = (n: onnx.INodeProto): onnx.INodeProto => ({
    ...n,
    attribute: (n.attribute ?? []).map((a) => {
      if (a.t) return { ...a, t: tensor(a.t) }
      if (a.g) return { ...a, g: graph(a.g) }
      if (a.graphs?.length) return { ...a, graphs: a.graphs.map(graph) }
      if (Number(a.i) === ELEM.bfloat16 && (a.name === 'to' || a.name === 'dtype')) {
        if (n.opType === 'Cast' && a.name === 'to') return { ...a, i: ELEM.float16 }
        refused.push(n.opType ?? '?')
      }
      return a
    }),
  })

  const graph = (g: onnx.IGraphProto): onnx.IGraphProto => ({
    ...g,
    initializer: (g.initializer ?? []).map(tensor),
    input: (g.input ?? []).map(valueInfo),
    output: (g.output ?? []).map(valueInfo),
    valueInfo: (g.valueInfo ?? []).map(valueInfo),
    node: (g.node ?? []).map(node),
  })

  try {
    if (!model.graph) throw new Error('the ONNX model has no graph')
    const converted = { ...model, graph: graph(model.graph) }
    if (refused.length)
      throw new Error(
        `the graph asks for bfloat16 in ${[...new Set(refused)].join(', ')} nodes, which the fp16 conversion does not rewrite`,
      )
    return { model: converted, tensors, counts }
  } finally {
    closeSync(out)
    for (const fd of fds.values()) closeSync(fd)
    // No external bf16 weights: no data file (inline ones were converted in the graph itself).
    if (offset === 0) unlinkSync(join(graphDir, dataName))
  }
}

/** Bytes of float weights per stored dtype (for the precision plan), inline and external alike. */
export function weightBytesByDtype(model: onnx.IModelProto): Partial<Record<'fp32' | 'fp16' | 'bf16' | 'fp8', number>> {
  const out: Partial<Record<'fp32' | 'fp16' | 'bf16' | 'fp8', number>> = {}
  const kind: Record<number, 'fp32' | 'fp16' | 'bf16' | 'fp8'> = {
    1: 'fp32',
    10: 'fp16',
    16: 'bf16',
    17: 'fp8',
    18: 'fp8',
    19: 'fp8',
    20: 'fp8',
  }
  const size: Record<string, number> = { fp32: 4, fp16: 2, bf16: 2, fp8: 1 }
  for (const t of model.graph?.initializer ?? []) {
    const k = kind[t.dataType ?? 0]
    if (!k) continue
    const n = (t.dims ?? []).reduce((a: number, d) => a * Number(d), 1)
    out[k] = (out[k] ?? 0) + n * size[k]!
  }
  return out
}

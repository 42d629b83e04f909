/**
 * The memory plan of a FLUX job, predicted from the checkpoint's tensor shapes before anything is
 * loaded: text encoders → encode the references → release → transformer → denoise → release →
 * decode. Each phase's peak is the runtime's own memory, the weights of the graphs the phase
 * holds, the extra a graph takes while it is being opened, and the phase's largest activations.
 *
 * Pure: shapes in, bytes out. The coefficients below were fitted on the full-width structural twin
 * (bench/fluxMemory: per-phase peak RSS on the CPU provider); every term is computed from shapes,
 * the resolution, the number of references and the precision, never from a measurement.
 */
import { FLOAT16_BUILT, type PlanComponent } from '../precision/plan'
import { T5_FLOAT16_WEIGHTS } from '../graph/text/t5Encoder'
import { activationTerms, type Activation } from './activations'

export const PLAN_GRAPHS = ['clip', 't5', 'ae-encode', 'transformer', 'ae-decode'] as const
export type PlanGraph = (typeof PLAN_GRAPHS)[number]
export type PlanPhase = 'text' | 'encode' | 'denoise' | 'decode'

export interface ShapeInfo {
  readonly dtype: string
  readonly shape: readonly number[]
}
export type ShapeTable = ReadonlyMap<string, ShapeInfo>

/** The four components' tensors (names relative to the component, as `openComponent` gives them). */
export interface PlanTensors {
  readonly transformer: ShapeTable
  readonly autoencoder: ShapeTable
  readonly clip: ShapeTable
  readonly t5: ShapeTable
}

export type GraphPrecision = 'float32' | 'float16'

export interface PlanRequest {
  readonly width: number
  readonly height: number
  /** Context images, each encoded at the target size. */
  readonly refs: number
  /**
   * What the built graphs hold their weights and activations in. float16 applies to the graphs
   * the engine builds in 16 bits (`FLOAT16_BUILT`: the transformer, and T5's attention and wi
   * weights); the others stay float32.
   */
  readonly precision: GraphPrecision
  /** Step previews decoded during denoising keep the decoder beside the transformer. */
  readonly previewDecode?: boolean
  /** Graphs whose weights stay in the source file (ONNX external data pointing into it). */
  readonly zeroCopy?: boolean
  /** Weight-only quantisation at import (`--quantise`): the weight MatMuls as MatMulNBits blocks. */
  readonly quantise?: PlanQuantise | null
}

/** What engine/quantise builds: `bits` per weight in blocks of `blockSize` inputs, each with a float32 scale and a zero point. */
export interface PlanQuantise {
  readonly bits: 4 | 8
  readonly blockSize: number
}

export interface GraphPlan {
  readonly graph: PlanGraph
  /** What this graph is built in for the request (float16 only where the engine builds it). */
  readonly precision: GraphPrecision
  readonly params: number
  /** Weights as the runtime holds them once the graph is open. */
  readonly weightBytes: number
  /** Of `params`, those in weight MatMuls (what `--quantise` turns into MatMulNBits), and the bytes they take in the graph. */
  readonly matMulParams: number
  readonly matMulBytes: number
  /** Held beside the weights only while the graph is being opened (serialised bytes, the runtime's parse). */
  readonly openingBytes: number
  readonly activation: Activation
}

export interface PhasePlan {
  readonly phase: PlanPhase
  readonly graphs: readonly PlanGraph[]
  readonly runtimeBytes: number
  readonly weightBytes: number
  readonly openingBytes: number
  readonly activationBytes: number
  /** Heap an earlier phase's in-memory graph left with the allocator (reused in part: `heapReuse`). */
  readonly retainedBytes: number
  readonly peakBytes: number
}

export interface MemoryPlan {
  readonly request: PlanRequest
  readonly graphs: readonly GraphPlan[]
  readonly phases: readonly PhasePlan[]
  /** The largest phase: what sequential loading needs. */
  readonly peak: PhasePlan
  /** Every graph held at once plus the largest activations: what keeping them loaded needs. */
  readonly residentBytes: number
}

/**
 * Fitted on the full-width twin (bench/README.md, "fluxMemory"; CPU provider, one step at 512²
 * and 1024² with one reference). `runtimeBytes`: the process with onnxruntime and the tokenizers
 * loaded. Opening: a graph opened from memory (under `INLINE_MAX_BYTES`) briefly holds its
 * serialised bytes and onnxruntime's parse beside the weights; one opened from files (copied or
 * pointing into the checkpoint) held nothing measurable beyond its weights. Activations: live
 * tensors as multiples of each graph's largest one (activations.ts).
 */
export const PLAN_COEFFICIENTS = {
  runtimeBytes: 200 * 2 ** 20,
  inlineOpening: 2,
  fileOpening: 0,
  zeroCopyOpening: 0,
  activation: { clip: 4, t5: 4, 'ae-encode': 4.3, transformer: 4, 'ae-decode': 4.6 } as Record<PlanGraph, number>,
  /**
   * An in-memory graph's parse and its small tensors come from the C heap, which the allocator
   * keeps after the release (measured: 2 × CLIP-L's weights still resident in every later phase);
   * the next phases reuse this share of it before asking the system for more.
   */
  heapReuse: 0.6,
}
/** The engine's switch from in-memory graphs to graph files (checkpointModels.ts). */
export const INLINE_MAX_BYTES = 1024 ** 3

const FLOAT_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2'])
const count = (s: readonly number[]) => s.reduce((a, b) => a * b, 1)

/** The tensors each graph is built from (the autoencoder file holds both halves; T5 files often hold the embedding twice). */
function graphTensors(t: PlanTensors, g: PlanGraph): [string, ShapeInfo][] {
  // fp8 checkpoints' per-tensor scales are folded into their weights, not graph weights of their own.
  const floats = (m: ShapeTable) => [...m].filter(([n, v]) => FLOAT_DTYPES.has(v.dtype) && !/\.(scale_weight|weight_scale)$/.test(n))
  switch (g) {
    case 'transformer':
      return floats(t.transformer)
    case 'clip':
      return floats(t.clip)
    case 't5': {
      const dup = t.t5.has('shared.weight') ? 'encoder.embed_tokens.weight' : ''
      return floats(t.t5).filter(([n]) => n !== dup)
    }
    case 'ae-encode':
      return floats(t.autoencoder).filter(([n]) => n.startsWith('encoder.'))
    case 'ae-decode':
      return floats(t.autoencoder).filter(([n]) => n.startsWith('decoder.'))
  }
}

const ELEMENT_BYTES: Record<GraphPrecision, number> = { float32: 4, float16: 2 }
const PLAN_COMPONENT: Record<PlanGraph, PlanComponent> = {
  clip: 'clip',
  t5: 't5',
  'ae-encode': 'autoencoder',
  transformer: 'transformer',
  'ae-decode': 'autoencoder',
}

/** The precision graph `g` is built in when `precision` is asked for. */
export const graphPrecision = (g: PlanGraph, precision: GraphPrecision): GraphPrecision =>
  precision === 'float16' && FLOAT16_BUILT.includes(PLAN_COMPONENT[g]) ? 'float16' : 'float32'

/**
 * Which weights of a float16 build are float16: all of the transformer's (its float32 norm scales
 * are < 0.01% of it), T5's attention and wi Linears (its wo, embedding and norms stay float32).
 */
const isHalfWeight = (g: PlanGraph, name: string): boolean => g !== 't5' || T5_FLOAT16_WEIGHTS.test(name)

/**
 * nn.Linear weights: 2-D `.weight` tensors other than the embedding tables (read by Gather, not
 * MatMul), whatever their stored dtype: a quantised model is built with every weight laid out by
 * the builder (not read in place from a float32 file), so the pass sees all of them.
 */
const EMBEDDING = /(embedding|embed_tokens|relative_attention_bias)\.weight$|^shared\.weight$/
const isMatMulWeight = (name: string, v: ShapeInfo): boolean => v.shape.length === 2 && name.endsWith('.weight') && !EMBEDDING.test(name)

/** MatMulNBits bytes of a PyTorch [out, in] weight: packed values, a float32 scale per block, packed zero points. */
export function quantisedBytes([out, inn]: readonly number[], q: PlanQuantise): number {
  const blocks = Math.ceil((inn as number) / q.blockSize)
  return (out as number) * (blocks * ((q.blockSize * q.bits) / 8) + blocks * 4 + Math.ceil((blocks * q.bits) / 8))
}

export function planGraph(t: PlanTensors, g: PlanGraph, req: PlanRequest): GraphPlan {
  const tensors = graphTensors(t, g)
  const params = tensors.reduce((n, [, v]) => n + count(v.shape), 0)
  const q = req.quantise ?? null
  // A quantised model is built in float32: the quantiser rewrites float32 MatMul weights.
  const precision: GraphPrecision = q ? 'float32' : graphPrecision(g, req.precision)
  // T5's float16 build keeps its activations float32 (only its Linears compute in fp16).
  const e = ELEMENT_BYTES[g === 't5' ? 'float32' : precision]
  // The autoencoder is convolutions: nothing in it is quantised.
  const matMuls = q && !g.startsWith('ae-') ? tensors.filter(([n, v]) => isMatMulWeight(n, v)) : []
  const matMulParams = matMuls.reduce((n, [, v]) => n + count(v.shape), 0)
  const matMulBytes = q ? matMuls.reduce((n, [, v]) => n + quantisedBytes(v.shape, q), 0) : 0
  const floatBytes =
    precision === 'float32' ? 4 * params : tensors.reduce((n, [name, v]) => n + (isHalfWeight(g, name) ? 2 : 4) * count(v.shape), 0)
  const weightBytes = q ? floatBytes - 4 * matMulParams + matMulBytes : floatBytes
  const k = PLAN_COEFFICIENTS
  // Small graphs open from memory whatever their source; large ones from graph files, copied or in
  // place. The engine switches on the float graph's size, and a quantised graph opened from memory
  // is first built (and serialised) in float, so its opening counts the float bytes.
  const factor =
    floatBytes <= INLINE_MAX_BYTES ? k.inlineOpening : req.zeroCopy && precision === 'float32' && !q ? k.zeroCopyOpening : k.fileOpening
  return {
    graph: g,
    precision,
    params,
    weightBytes,
    matMulParams,
    matMulBytes,
    openingBytes: factor * floatBytes,
    activation: activationTerms(t, g, req, e),
  }
}

const PHASES: readonly { phase: PlanPhase; graphs: readonly PlanGraph[] }[] = [
  { phase: 'text', graphs: ['clip', 't5'] },
  { phase: 'encode', graphs: ['ae-encode'] },
  { phase: 'denoise', graphs: ['transformer'] },
  { phase: 'decode', graphs: ['ae-decode'] },
]

/**
 * A phase's peak: its graphs are opened one after another, so the worst moment is either opening
 * one (those before it held) or running with all of them held and the largest activations live.
 */
function phasePlan(phase: PlanPhase, graphs: readonly GraphPlan[], runtimeBytes: number, retainedBytes: number): PhasePlan {
  let held = 0
  let worstOpening = 0
  let openingBytes = 0
  for (const g of graphs) {
    if (held + g.weightBytes + g.openingBytes > worstOpening) {
      worstOpening = held + g.weightBytes + g.openingBytes
      openingBytes = g.openingBytes
    }
    held += g.weightBytes
  }
  const activationBytes = Math.max(0, ...graphs.map((g) => g.activation.bytes))
  const need = Math.max(held + activationBytes, worstOpening)
  const reused = PLAN_COEFFICIENTS.heapReuse * Math.min(retainedBytes, need)
  return {
    phase,
    graphs: graphs.map((g) => g.graph),
    runtimeBytes,
    weightBytes: held,
    openingBytes,
    activationBytes,
    retainedBytes,
    peakBytes: runtimeBytes + need + retainedBytes - reused,
  }
}

export function planMemory(t: PlanTensors, req: PlanRequest): MemoryPlan {
  const graphs = PLAN_GRAPHS.map((g) => planGraph(t, g, req))
  const by = (g: PlanGraph) => graphs.find((x) => x.graph === g)!
  const runtimeBytes = PLAN_COEFFICIENTS.runtimeBytes
  let retained = 0
  const phases = PHASES.filter((p) => p.phase !== 'encode' || req.refs > 0).map((p) => {
    const names = p.phase === 'denoise' && req.previewDecode ? [...p.graphs, 'ae-decode' as const] : p.graphs
    const plan = phasePlan(p.phase, names.map(by), runtimeBytes, retained)
    // What this phase's in-memory graphs leave behind for the phases after it (the heap is reused, not summed).
    // (Graphs opened from files have no opening bytes.)
    for (const g of names.map(by)) retained = Math.max(retained, g.openingBytes)
    return plan
  })
  const peak = phases.reduce((a, b) => (b.peakBytes > a.peakBytes ? b : a))
  const allWeights = graphs.reduce((n, g) => n + g.weightBytes, 0)
  const residentBytes = runtimeBytes + allWeights + Math.max(...graphs.map((g) => Math.max(g.openingBytes, g.activation.bytes)))
  return { request: req, graphs, phases, peak, residentBytes }
}

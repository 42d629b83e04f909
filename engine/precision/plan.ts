/**
 * Precision is a plan, decided before anything is downloaded, converted or loaded: for a provider
 * and a component's stored weights, what will run, what conversion is needed (and when), or a
 * refusal with the reason and what to do instead. Pure: no files, no onnxruntime.
 *
 * What each provider runs, and how we know:
 * - CPU: float32; float16 graphs open and run (onnxruntime inserts float32 casts around ops
 *   without fp16 kernels) — probed with onnxruntime-node 1.30 (MatMul, Gemm, Conv, Softmax, Add,
 *   Mul, Tanh, Sigmoid, Pow, Sqrt, ReduceMean all load and run in fp16); bfloat16 does not (the
 *   same ops fail with "Could not find an implementation", probed; test/unit/engine/export/).
 * - CUDA: float32, float16, bfloat16 kernels (onnxruntime's CUDA provider; not run here).
 * - DirectML, WebGPU: float32 and float16 (WebGPU needs the adapter's shader-f16); no bfloat16.
 * - fp8/fp4: the published FLUX fp8/fp4 transformers are TensorRT-targeted Q/DQ graphs
 *   (KONTEXT_PIPELINE.md §10.1); no onnxruntime provider the engine uses is known to run them.
 *
 * Where the engine builds the graphs itself (safetensors): the transformer is built in float16
 * (mixed precision: Linears, attention and MLP in fp16; norms, RoPE, the sinusoidal embeddings and
 * the residual stream float32 — engine/graph/flux/fluxBlocks.ts) for CUDA, DirectML and WebGPU,
 * and in float32 for the CPU, where fp16 only adds casts. T5 likewise, with only its attention and
 * wi Linears in fp16 (wo, whose output overflows fp16, and the rest float32: t5Encoder.ts). CLIP and
 * the autoencoder are built float32 everywhere. `built: 'float16' | 'float32'` forces a choice (tests run fp16 graphs on the CPU).
 * No GPU has run a float16 built graph yet: its numerics are checked on the CPU provider.
 */
import type { ProviderName } from '../sessions'

export type StoredDtype = 'fp32' | 'fp16' | 'bf16' | 'fp8'
export type RunDtype = 'float32' | 'float16' | 'bfloat16'
export type PlanComponent = 'transformer' | 'autoencoder' | 'clip' | 't5'
/** `built`: graphs the engine builds from safetensors; `onnx`: a fixed graph (the ONNX export). */
export type GraphSource = 'built' | 'onnx'

/** For built graphs: the provider's default (`auto`), or a forced precision. */
export type BuiltPrecisionChoice = 'auto' | 'float32' | 'float16'
export const BUILT_PRECISION_CHOICES: readonly BuiltPrecisionChoice[] = ['auto', 'float32', 'float16']
export const isBuiltPrecisionChoice = (s: string): s is BuiltPrecisionChoice => (BUILT_PRECISION_CHOICES as readonly string[]).includes(s)

/** The components the engine can build as float16 graphs (the others are built float32 only). */
export const FLOAT16_BUILT: readonly PlanComponent[] = ['transformer', 't5']

export interface PlanRequest {
  readonly provider: ProviderName
  readonly component: PlanComponent
  readonly stored: StoredDtype
  readonly source: GraphSource
  /** Only for `source: 'built'` (default auto). */
  readonly built?: BuiltPrecisionChoice
}

export type Conversion =
  | { readonly kind: 'none' }
  /** Widened to float32 while the graph is built (every time; nothing written). */
  | { readonly kind: 'widen-while-building'; readonly from: StoredDtype }
  /** Converted to fp16 once while the graph is built (clamped and flushed values counted in the engine log). */
  | { readonly kind: 'fp16-while-building'; readonly from: StoredDtype }
  /** bf16 → fp16 once at import, into a new weights file; overflow and flush-to-zero are counted. */
  | { readonly kind: 'bf16-to-fp16-at-import' }

export type PrecisionPlan =
  | { readonly ok: true; readonly request: PlanRequest; readonly runs: RunDtype; readonly conversion: Conversion; readonly note: string }
  | { readonly ok: false; readonly request: PlanRequest; readonly reason: string; readonly alternative: string }

/** What a provider's kernels take (see the file comment for the evidence). */
export const PROVIDER_DTYPES: Readonly<Record<ProviderName, readonly RunDtype[]>> = {
  cpu: ['float32', 'float16'],
  cuda: ['float32', 'float16', 'bfloat16'],
  dml: ['float32', 'float16'],
  webgpu: ['float32', 'float16'],
}

const RUN_OF: Record<Exclude<StoredDtype, 'fp8'>, RunDtype> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' }
const PROVIDER_LABEL: Record<ProviderName, string> = { cpu: 'CPU', cuda: 'CUDA', dml: 'DirectML', webgpu: 'WebGPU' }

export function planPrecision(request: PlanRequest): PrecisionPlan {
  const { provider, stored, source } = request
  const label = PROVIDER_LABEL[provider]
  if (source === 'built') return planBuilt(request, label)
  if (stored === 'fp8')
    return {
      ok: false,
      request,
      reason: `the export's fp8 graphs are TensorRT quantize/dequantize graphs, which onnxruntime's ${label} provider is not known to run`,
      alternative:
        'use the bf16 transformer of the same export (transformer.opt/bf16/), or the fp8 safetensors, which the engine builds as float32',
    }
  const runs = RUN_OF[stored]
  if (PROVIDER_DTYPES[provider].includes(runs))
    return { ok: true, request, runs, conversion: { kind: 'none' }, note: `${runs} on ${label}, as stored` }
  // Only bf16 is missing anywhere, and every provider that lacks it runs float16.
  return {
    ok: true,
    request,
    runs: 'float16',
    conversion: { kind: 'bf16-to-fp16-at-import' },
    note: `float16 on ${label}, which has no bfloat16 kernels: the weights are converted once at import (values past ±65504 are clamped and those below 2^-24 flushed to zero, both counted)`,
  }
}

/** Whether a built graph wants 16 bits on this provider: GPUs yes, the CPU no (unless forced). */
const wants16 = (r: PlanRequest): boolean => (r.built ?? 'auto') === 'float16' || ((r.built ?? 'auto') === 'auto' && r.provider !== 'cpu')

function planBuilt(request: PlanRequest, label: string): PrecisionPlan {
  const { stored, component } = request
  if (wants16(request) && FLOAT16_BUILT.includes(component))
    return {
      ok: true,
      request,
      runs: 'float16',
      conversion: { kind: 'fp16-while-building', from: stored },
      note:
        `float16 on ${label} (mixed precision: norms, RoPE and the residual stream float32): the ${stored} weights are converted ` +
        'to fp16 while the graph is built, values past ±65504 clamped and below 2^-24 flushed to zero, both counted',
    }
  const only16 = wants16(request) ? ` (the engine builds the ${component} in float32 only)` : ''
  const conversion: Conversion = stored === 'fp32' ? { kind: 'none' } : { kind: 'widen-while-building', from: stored }
  return {
    ok: true,
    request,
    runs: 'float32',
    conversion,
    note:
      stored === 'fp32'
        ? `float32 on ${label}${only16}`
        : `float32 on ${label}: the ${stored} weights are widened while the graph is built${only16}`,
  }
}

/** A component's stored dtype from the element types of its float weights (the most bytes win). */
export function storedDtypeOf(bytesByDtype: Readonly<Partial<Record<StoredDtype, number>>>): StoredDtype {
  let best: StoredDtype = 'fp32'
  let most = -1
  for (const d of ['fp32', 'fp16', 'bf16', 'fp8'] as const) {
    const b = bytesByDtype[d] ?? 0
    if (b > most) {
      best = d
      most = b
    }
  }
  return best
}

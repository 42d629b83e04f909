/**
 * Layer-level helpers shared by the architectures: each adds nodes to a GraphBuilder and returns
 * the name of the value it produced. Weights come from a TensorSource under the checkpoint's own
 * names, and their shapes are checked against what the layer needs.
 */
import { attr, GraphBuilder, MS_DOMAIN, type FloatType } from './onnxGraph'
import { tensorReader, type TensorSource } from './tensorSource'

/** How attention is computed: onnxruntime's fused contrib op, or MatMul → Softmax → MatMul. */
export type AttentionKind = 'fused' | 'explicit'

/** PyTorch's [out, in] weight as the [in, out] matrix MatMul wants. */
export function transposed(w: Float32Array, out: number, inn: number): Float32Array {
  const t = new Float32Array(w.length)
  for (let o = 0; o < out; o++) {
    const row = o * inn
    for (let i = 0; i < inn; i++) t[i * out + o] = w[row + i] as number
  }
  return t
}

/**
 * nn.Linear: `x · Wᵀ + b` with BFL's `{prefix}.weight` [out, in] and `{prefix}.bias` [out], its
 * weights (and so x and the result) in `type`.
 */
export function linear(
  g: GraphBuilder,
  src: TensorSource,
  prefix: string,
  x: string,
  inDim: number,
  outDim: number,
  bias = true,
  type: FloatType = 'float32',
): string {
  const w = tensorReader(src, `${prefix}.weight`, [outDim, inDim])
  // A weight stored as float32 stays [out, in] where it is in the file (the graph's external data
  // points at it) and onnxruntime transposes it while loading; any other is transposed here.
  const y =
    w.stored && type === 'float32'
      ? g.op('MatMul', [x, g.op('Transpose', [g.weight(`${prefix}.weight`, [outDim, inDim], w)], { perm: attr.ints([1, 0]) })])
      : g.op('MatMul', [x, g.weight(`${prefix}.weight`, [inDim, outDim], () => transposed(w(), outDim, inDim), type)])
  if (!bias) return y
  const b = g.weight(`${prefix}.bias`, [outDim], tensorReader(src, `${prefix}.bias`, [outDim]), type)
  return g.op('Add', [y, b])
}

export const silu = (g: GraphBuilder, x: string): string => g.op('Mul', [x, g.op('Sigmoid', [x])])

/** `x` (of type `from`) as `to`; nothing is added when they are the same. */
export const castTo = (g: GraphBuilder, x: string, from: FloatType, to: FloatType): string => (from === to ? x : g.cast(x, to))

/**
 * GELU with the tanh approximation (nn.GELU(approximate="tanh")); onnxruntime fuses it to FastGelu.
 * In float16, x³ overflows to ±inf past |x| ≈ 40, where tanh saturates to ±1 anyway: the result is
 * still x or 0, as in float32.
 */
export function geluTanh(g: GraphBuilder, x: string, type: FloatType = 'float32'): string {
  const k = (v: number) => g.constFloat([v], [], type)
  const x3 = g.op('Mul', [g.op('Mul', [x, x]), x])
  const inner = g.op('Mul', [g.op('Add', [x, g.op('Mul', [x3, k(0.044715)])]), k(Math.sqrt(2 / Math.PI))])
  const t = g.op('Add', [g.op('Tanh', [inner]), k(1)])
  return g.op('Mul', [g.op('Mul', [x, t]), k(0.5)])
}

/** LayerNorm over the last axis without affine parameters (elementwise_affine=False). */
export function layerNormPlain(g: GraphBuilder, x: string, dim: number, eps = 1e-6): string {
  const ones = g.constF32(new Float32Array(dim).fill(1), [dim])
  return g.op('LayerNormalization', [x, ones], { axis: attr.i(-1), epsilon: attr.f(eps) })
}

/** BFL's RMSNorm over the last axis: `x · rsqrt(mean(x²) + eps) · scale`. */
export function rmsNorm(g: GraphBuilder, src: TensorSource, scaleName: string, x: string, dim: number, eps = 1e-6): string {
  const scale = g.weight(scaleName, [dim], tensorReader(src, scaleName, [dim]))
  const ms = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: attr.ints([-1]), keepdims: attr.i(1) })
  const r = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [ms, g.constF32([eps], [])])])])
  return g.op('Mul', [g.op('Mul', [x, r]), scale])
}

/** `(1 + scale) · x + shift` — the adaLN modulation. */
export function modulate(g: GraphBuilder, x: string, shift: string, scale: string): string {
  return g.op('Add', [g.op('Mul', [x, g.op('Add', [scale, g.constF32([1], [])])]), shift])
}

/** Splits the last axis into the given sizes. */
export function splitLast(g: GraphBuilder, x: string, sizes: readonly number[]): string[] {
  return g.node('Split', [x, g.constI64(sizes)], { axis: attr.i(-1) }, { outputs: sizes.length })
}

/** [B, L, H·D] → [B, L, H, D] (batch and length stay dynamic). */
export const toHeads = (g: GraphBuilder, x: string, heads: number, headDim: number): string =>
  g.op('Reshape', [x, g.constI64([0, 0, heads, headDim])])

/** [B, L, H, D] → [B, L, H·D]. */
export const fromHeads = (g: GraphBuilder, x: string, heads: number, headDim: number): string =>
  g.op('Reshape', [x, g.constI64([0, 0, heads * headDim])])

/**
 * Rotates adjacent pairs (x[2k], x[2k+1]) of `x` [B, L, H, D] by the angles whose cos and sin are
 * given as [B, L, 1, D/2, 1]: out0 = cos·x0 − sin·x1, out1 = sin·x0 + cos·x1 (BFL's apply_rope).
 */
export function applyRope(g: GraphBuilder, x: string, cos: string, sin: string, heads: number, headDim: number): string {
  const pairs = g.op('Reshape', [x, g.constI64([0, 0, heads, headDim / 2, 2])])
  const [x0, x1] = splitLast(g, pairs, [1, 1]) as [string, string]
  const out0 = g.op('Sub', [g.op('Mul', [cos, x0]), g.op('Mul', [sin, x1])])
  const out1 = g.op('Add', [g.op('Mul', [sin, x0]), g.op('Mul', [cos, x1])])
  const joined = g.op('Concat', [out0, out1], { axis: attr.i(-1) })
  return g.op('Reshape', [joined, g.constI64([0, 0, heads, headDim])])
}

/**
 * Scaled dot-product attention without a mask over q, k, v [B, L, H, D] (all of `type`) → [B, L, H·D].
 * 'fused' uses com.microsoft MultiHeadAttention (onnxruntime CPU, CUDA and WebGPU implement it,
 * and never materialise the score matrix on the GPU providers); 'explicit' is standard ONNX, whose
 * Softmax runs in float32 when the scores are float16 (exp of fp16 scores loses the small weights).
 */
export function attention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  heads: number,
  headDim: number,
  kind: AttentionKind,
  type: FloatType = 'float32',
): string {
  if (kind === 'fused') {
    const [qf, kf, vf] = [q, k, v].map((t) => fromHeads(g, t, heads, headDim)) as [string, string, string]
    return g.op('MultiHeadAttention', [qf, kf, vf], { num_heads: attr.i(heads), scale: attr.f(1 / Math.sqrt(headDim)) }, MS_DOMAIN)
  }
  const qh = g.op('Transpose', [q], { perm: attr.ints([0, 2, 1, 3]) })
  const kt = g.op('Transpose', [k], { perm: attr.ints([0, 2, 3, 1]) })
  const vh = g.op('Transpose', [v], { perm: attr.ints([0, 2, 1, 3]) })
  const scores = g.op('Mul', [g.op('MatMul', [qh, kt]), g.constFloat([1 / Math.sqrt(headDim)], [], type)])
  const probs = castTo(g, g.op('Softmax', [castTo(g, scores, type, 'float32')], { axis: attr.i(-1) }), 'float32', type)
  const out = g.op('Transpose', [g.op('MatMul', [probs, vh])], { perm: attr.ints([0, 2, 1, 3]) })
  return fromHeads(g, out, heads, headDim)
}

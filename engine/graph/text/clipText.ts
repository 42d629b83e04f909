/**
 * The CLIP text model (transformers' `CLIPTextModel` layout: `clip_l.safetensors`, the diffusers
 * `text_encoder/`) as an ONNX graph: input_ids [B, L] → hidden [B, L, h] (after the final layer
 * norm) and pooled [B, h] = hidden at the end token, found as the argmax of the ids (CLIP-L's
 * end token has the largest id; transformers does the same for this configuration).
 *
 * Pre-norm encoder layers with causal self-attention, quick-GELU MLP (x·σ(1.702x)), LayerNorm
 * eps 1e-5. Widths and depth come from the shapes; the head count cannot (CLIP-L: 12), so it is
 * hidden/64 unless given — every released CLIP text model has 64-wide heads.
 */
import { linear, toHeads } from '../layers'
import { attr, GraphBuilder } from '../onnxGraph'
import { CheckpointShapeError, countBlocks, requireShape, tensorReader, type TensorSource } from '../tensorSource'

export interface ClipSizes {
  readonly vocab: number
  readonly hidden: number
  readonly positions: number
  readonly layers: number
  readonly ffHidden: number
  readonly heads: number
}

const P = 'text_model.'

export function clipSizes(src: TensorSource, heads?: number): ClipSizes {
  const [vocab, hidden] = requireShape(src, `${P}embeddings.token_embedding.weight`, 2) as [number, number]
  const positions = requireShape(src, `${P}embeddings.position_embedding.weight`, 2)[0] as number
  const layers = countBlocks(src, `${P}encoder.layers`)
  if (layers === 0) throw new CheckpointShapeError('the checkpoint has no text_model.encoder.layers.*: it is not a CLIP text model')
  const ffHidden = requireShape(src, `${P}encoder.layers.0.mlp.fc1.weight`, 2)[0] as number
  const h = heads ?? hidden / 64
  if (!Number.isInteger(h) || hidden % h !== 0)
    throw new CheckpointShapeError(`CLIP hidden size ${hidden} does not split into ${heads ?? '64-wide'} heads; give the head count`)
  return { vocab, hidden, positions, layers, ffHidden, heads: h }
}

/** LayerNorm with weight and bias, as nn.LayerNorm(eps). */
export function layerNormAffine(g: GraphBuilder, src: TensorSource, prefix: string, x: string, dim: number, eps: number): string {
  const w = g.weight(`${prefix}.weight`, [dim], tensorReader(src, `${prefix}.weight`, [dim]))
  const b = g.weight(`${prefix}.bias`, [dim], tensorReader(src, `${prefix}.bias`, [dim]))
  return g.op('LayerNormalization', [x, w, b], { axis: attr.i(-1), epsilon: attr.f(eps) })
}

/** Softmax(q·kᵀ·scale + bias)·v over [B, L, H, D] inputs → [B, L, H·D]; `bias` broadcasts to [B, H, L, L]. */
export function biasedAttention(
  g: GraphBuilder,
  q: string,
  k: string,
  v: string,
  heads: number,
  headDim: number,
  scale: number,
  bias: string | null,
): string {
  const qh = g.op('Transpose', [q], { perm: attr.ints([0, 2, 1, 3]) })
  const kt = g.op('Transpose', [k], { perm: attr.ints([0, 2, 3, 1]) })
  const vh = g.op('Transpose', [v], { perm: attr.ints([0, 2, 1, 3]) })
  let scores = g.op('MatMul', [qh, kt])
  if (scale !== 1) scores = g.op('Mul', [scores, g.constF32([scale], [])])
  if (bias) scores = g.op('Add', [scores, bias])
  const out = g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.i(-1) }), vh])], { perm: attr.ints([0, 2, 1, 3]) })
  return g.op('Reshape', [out, g.constI64([0, 0, heads * headDim])])
}

/** The sequence length of ids [B, L] as a 1-element int64 tensor. */
export function seqLength(g: GraphBuilder, ids: string): string {
  return g.op('Slice', [g.op('Shape', [ids]), g.constI64([1]), g.constI64([2]), g.constI64([0])])
}

/** 0, 1, …, L−1 (int64), for L given as a 1-element tensor. */
export function positionsOf(g: GraphBuilder, len: string): string {
  const limit = g.op('Squeeze', [len, g.constI64([0])])
  return g.op('Range', [g.constI64([0], []), limit, g.constI64([1], [])])
}

export interface BuiltClip {
  readonly graph: GraphBuilder
  readonly sizes: ClipSizes
}

export function buildClipText(src: TensorSource, opts: { heads?: number } = {}): BuiltClip {
  const s = clipSizes(src, opts.heads)
  const headDim = s.hidden / s.heads
  const g = new GraphBuilder('clip_text')
  const ids = g.input('input_ids', ['batch', 'seq'], 'int64')
  const tok = g.weight(
    `${P}embeddings.token_embedding.weight`,
    [s.vocab, s.hidden],
    tensorReader(src, `${P}embeddings.token_embedding.weight`, [s.vocab, s.hidden]),
  )
  const pos = g.weight(
    `${P}embeddings.position_embedding.weight`,
    [s.positions, s.hidden],
    tensorReader(src, `${P}embeddings.position_embedding.weight`, [s.positions, s.hidden]),
  )
  const len = seqLength(g, ids)
  const positions = positionsOf(g, len)
  let x = g.op('Add', [g.op('Gather', [tok, ids], { axis: attr.i(0) }), g.op('Gather', [pos, positions], { axis: attr.i(0) })])
  // Causal mask: −1e9 above the diagonal of the model's full length, cut to [L, L].
  const mask = new Float32Array(s.positions * s.positions)
  for (let i = 0; i < s.positions; i++) for (let j = i + 1; j < s.positions; j++) mask[i * s.positions + j] = -1e9
  const ends = g.op('Concat', [len, len], { axis: attr.i(0) })
  const causal = g.op('Slice', [g.constF32(mask, [s.positions, s.positions]), g.constI64([0, 0]), ends, g.constI64([0, 1])])
  for (let i = 0; i < s.layers; i++) {
    const p = `${P}encoder.layers.${i}`
    x = g.scoped(p, () => {
      const n1 = layerNormAffine(g, src, `${p}.layer_norm1`, x, s.hidden, 1e-5)
      const [q, k, v] = ['q_proj', 'k_proj', 'v_proj'].map((n) =>
        toHeads(g, linear(g, src, `${p}.self_attn.${n}`, n1, s.hidden, s.hidden), s.heads, headDim),
      ) as [string, string, string]
      const att = biasedAttention(g, q, k, v, s.heads, headDim, 1 / Math.sqrt(headDim), causal)
      const h = g.op('Add', [x, linear(g, src, `${p}.self_attn.out_proj`, att, s.hidden, s.hidden)])
      const n2 = layerNormAffine(g, src, `${p}.layer_norm2`, h, s.hidden, 1e-5)
      const f1 = linear(g, src, `${p}.mlp.fc1`, n2, s.hidden, s.ffHidden)
      const act = g.op('Mul', [f1, g.op('Sigmoid', [g.op('Mul', [f1, g.constF32([1.702], [])])])])
      return g.op('Add', [h, linear(g, src, `${p}.mlp.fc2`, act, s.ffHidden, s.hidden)])
    })
  }
  const hidden = layerNormAffine(g, src, `${P}final_layer_norm`, x, s.hidden, 1e-5)
  const eos = g.op('ArgMax', [g.op('Cast', [ids], { to: attr.i(6) })], { axis: attr.i(1), keepdims: attr.i(1) })
  const pooled = g.op('GatherND', [hidden, eos], { batch_dims: attr.i(1) })
  g.output(hidden, 'hidden', ['batch', 'seq', s.hidden])
  g.output(pooled, 'pooled', ['batch', s.hidden])
  return { graph: g, sizes: s }
}

/**
 * The T5 v1.1 encoder (transformers' `T5EncoderModel` layout: `t5xxl_fp16.safetensors`, the
 * diffusers `text_encoder_2/`) as an ONNX graph: input_ids [B, L] → hidden [B, L, d_model].
 *
 * Pre-norm blocks with T5's LayerNorm (no mean, no bias: x·rsqrt(mean(x²)+1e-6)·w), attention
 * WITHOUT the 1/√d scaling and with a relative-position bias computed once from block 0's
 * `relative_attention_bias` (bidirectional buckets, max distance 128) and added in every block,
 * and the gated-GELU feed-forward (gelu_tanh(wi_0·x) ⊙ wi_1·x → wo). No attention mask: FLUX
 * encodes all 512 tokens, padding included. Sizes from the shapes; the head count from the bias table.
 *
 * `precision: 'float16'` gives the q/k/v/o and wi_0/wi_1 Linears float16 weights and compute (cast
 * in and out); everything else stays float32: the residual stream, the norms, the unscaled
 * attention scores with their bias and the softmax, the GELU gate and its product, and `wo`, which
 * transformers also keeps in float32 (`_keep_in_fp32_modules`) because T5's feed-forward output
 * overflows fp16. The embedding stays float32 (a Gather, no compute to gain).
 */
import { castTo, geluTanh, linear, rmsNorm, toHeads } from '../layers'
import { attr, GraphBuilder, type FloatType } from '../onnxGraph'
import { CheckpointShapeError, countBlocks, requireShape, tensorReader, type TensorSource } from '../tensorSource'
import { biasedAttention, positionsOf, seqLength } from './clipText'

export interface T5Sizes {
  readonly vocab: number
  readonly dModel: number
  readonly inner: number
  readonly heads: number
  readonly buckets: number
  readonly ffHidden: number
  readonly blocks: number
}

const BIAS = 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight'
/** transformers' T5 default (`relative_attention_max_distance`); not stored in the checkpoint. */
export const T5_MAX_DISTANCE = 128

export function t5Sizes(src: TensorSource): T5Sizes {
  const embedding = src.shape('shared.weight') ? 'shared.weight' : 'encoder.embed_tokens.weight'
  const [vocab, dModel] = requireShape(src, embedding, 2) as [number, number]
  const [buckets, heads] = requireShape(src, BIAS, 2) as [number, number]
  const inner = requireShape(src, 'encoder.block.0.layer.0.SelfAttention.q.weight', 2)[0] as number
  if (inner % heads !== 0) throw new CheckpointShapeError(`T5 attention width ${inner} is not a multiple of its ${heads} heads`)
  const blocks = countBlocks(src, 'encoder.block')
  if (!src.shape('encoder.block.0.layer.1.DenseReluDense.wi_0.weight'))
    throw new CheckpointShapeError('the T5 encoder has no gated feed-forward (wi_0/wi_1): FLUX needs T5 v1.1')
  const ffHidden = requireShape(src, 'encoder.block.0.layer.1.DenseReluDense.wi_0.weight', 2)[0] as number
  return { vocab, dModel, inner, heads, buckets, ffHidden, blocks }
}

/**
 * The bucket of each relative position (key − query) in [−maxDistance, maxDistance], as
 * transformers' `_relative_position_bucket(bidirectional=True)` computes it in float32: half the
 * buckets per direction, exact below half of those, logarithmic up to maxDistance, then capped.
 */
export function relativeBuckets(buckets: number, maxDistance: number): number[] {
  const half = Math.floor(buckets / 2)
  const exact = Math.floor(half / 2)
  const f = Math.fround
  const out: number[] = []
  for (let rel = -maxDistance; rel <= maxDistance; rel++) {
    const n = Math.abs(rel)
    const large = exact + Math.trunc(f(f(f(Math.log(f(n / exact))) / f(Math.log(maxDistance / exact))) * (half - exact)))
    out.push((rel > 0 ? half : 0) + (n < exact ? n : Math.min(large, half - 1)))
  }
  return out
}

export interface BuiltT5 {
  readonly graph: GraphBuilder
  readonly sizes: T5Sizes
  readonly precision: FloatType
}

/** The T5 weights a float16 build holds in float16 (the memory plan counts them the same way). */
export const T5_FLOAT16_WEIGHTS = /\.(SelfAttention\.[qkvo]|DenseReluDense\.wi_[01])\.weight$/

export function buildT5Encoder(src: TensorSource, opts: { readonly precision?: FloatType } = {}): BuiltT5 {
  const s = t5Sizes(src)
  const t = opts.precision ?? 'float32'
  const headDim = s.inner / s.heads
  const g = new GraphBuilder('t5_encoder')
  const ids = g.input('input_ids', ['batch', 'seq'], 'int64')
  const embName = src.shape('shared.weight') ? 'shared.weight' : 'encoder.embed_tokens.weight'
  const emb = g.weight(embName, [s.vocab, s.dModel], tensorReader(src, embName, [s.vocab, s.dModel]))
  let x = g.op('Gather', [emb, ids], { axis: attr.i(0) })

  // Position bias [1, H, L, L]: bucket table indexed by clamp(key − query) + maxDistance.
  const bias = g.scoped('position_bias', () => {
    const pos = g.op('Cast', [positionsOf(g, seqLength(g, ids))], { to: attr.i(1) })
    const rel = g.op('Sub', [g.op('Unsqueeze', [pos, g.constI64([0])]), g.op('Unsqueeze', [pos, g.constI64([1])])])
    const clipped = g.op('Clip', [rel, g.constF32([-T5_MAX_DISTANCE], []), g.constF32([T5_MAX_DISTANCE], [])])
    const index = g.op('Cast', [g.op('Add', [clipped, g.constF32([T5_MAX_DISTANCE], [])])], { to: attr.i(7) })
    const bucket = g.op('Gather', [g.constI64(relativeBuckets(s.buckets, T5_MAX_DISTANCE)), index], { axis: attr.i(0) })
    const table = g.weight(BIAS, [s.buckets, s.heads], tensorReader(src, BIAS, [s.buckets, s.heads]))
    const lLh = g.op('Gather', [table, bucket], { axis: attr.i(0) })
    return g.op('Unsqueeze', [g.op('Transpose', [lLh], { perm: attr.ints([2, 0, 1]) }), g.constI64([0])])
  })

  /** A bias-free Linear in `t` from a value already cast to `t`, back to float32. */
  const lin = (prefix: string, xt: string, inDim: number, outDim: number) =>
    castTo(g, linear(g, src, prefix, xt, inDim, outDim, false, t), t, 'float32')
  for (let i = 0; i < s.blocks; i++) {
    const p = `encoder.block.${i}.layer`
    x = g.scoped(`encoder.block.${i}`, () => {
      const n1 = castTo(g, rmsNorm(g, src, `${p}.0.layer_norm.weight`, x, s.dModel), 'float32', t)
      const [q, k, v] = ['q', 'k', 'v'].map((n) =>
        toHeads(g, lin(`${p}.0.SelfAttention.${n}`, n1, s.dModel, s.inner), s.heads, headDim),
      ) as [string, string, string]
      const att = biasedAttention(g, q, k, v, s.heads, headDim, 1, bias)
      const h = g.op('Add', [x, lin(`${p}.0.SelfAttention.o`, castTo(g, att, 'float32', t), s.inner, s.dModel)])
      const n2 = castTo(g, rmsNorm(g, src, `${p}.1.layer_norm.weight`, h, s.dModel), 'float32', t)
      const gate = geluTanh(g, lin(`${p}.1.DenseReluDense.wi_0`, n2, s.dModel, s.ffHidden))
      const up = lin(`${p}.1.DenseReluDense.wi_1`, n2, s.dModel, s.ffHidden)
      return g.op('Add', [h, linear(g, src, `${p}.1.DenseReluDense.wo`, g.op('Mul', [gate, up]), s.ffHidden, s.dModel, false)])
    })
  }
  g.output(rmsNorm(g, src, 'encoder.final_layer_norm.weight', x, s.dModel), 'hidden', ['batch', 'seq', s.dModel])
  return { graph: g, sizes: s, precision: t }
}

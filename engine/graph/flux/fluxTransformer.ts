/**
 * The FLUX flow transformer as an ONNX graph, built from a checkpoint in BFL's layout.
 *
 * Graph interface (BFL's `Flux.forward`): img [B, N, in], img_ids [B, N, 3], txt [B, T, ctx],
 * txt_ids [B, T, 3], timesteps [B] (σ in [0, 1]; the graph multiplies by 1000), y [B, vec],
 * guidance [B] (only when the checkpoint has guidance_in) → pred [B, N, out]. N and T are
 * dynamic, so one graph serves text-to-image (N = target tokens) and editing (N = target +
 * context tokens, context ids [1, r, c]); the caller keeps the first N_target rows of pred.
 * With `precision: 'float16'` the weights are float16 and the heavy parts compute in it
 * (fluxBlocks.ts says which); inputs and pred stay float32.
 */
import { castTo, linear, layerNormPlain, modulate, silu, splitLast, type AttentionKind } from '../layers'
import { attr, GraphBuilder, type FloatType } from '../onnxGraph'
import type { TensorSource } from '../tensorSource'
import { doubleStreamBlock, heavyLinear, singleStreamBlock, splitText, type BlockContext } from './fluxBlocks'
import { fluxSizes, type FluxSizes, type RopeConfig } from './fluxConfig'
import { ropeAngles, timestepEmbedding } from './fluxEmbeddings'

export interface FluxGraphOptions {
  readonly rope: RopeConfig
  /** 'fused' (com.microsoft MultiHeadAttention, the default) or 'explicit' (MatMul/Softmax). */
  readonly attention?: AttentionKind
  /** The weights' and heavy compute's type (default float32). */
  readonly precision?: FloatType
}

export interface BuiltGraph {
  /** The graph; serialise with toBytes() or writeGraphFiles() (external data, for > 2 GB). */
  readonly graph: GraphBuilder
  readonly sizes: FluxSizes
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  /** What the weights are held in. */
  readonly precision: FloatType
}

/** MLPEmbedder: Linear → SiLU → Linear, float32 in and out, computed in `type`. */
function mlpEmbedder(
  g: GraphBuilder,
  src: TensorSource,
  prefix: string,
  x: string,
  inDim: number,
  hidden: number,
  type: FloatType,
): string {
  const h = silu(g, linear(g, src, `${prefix}.in_layer`, castTo(g, x, 'float32', type), inDim, hidden, true, type))
  return castTo(g, linear(g, src, `${prefix}.out_layer`, h, hidden, hidden, true, type), type, 'float32')
}

export function buildFluxTransformer(src: TensorSource, opts: FluxGraphOptions): BuiltGraph {
  const s = fluxSizes(src, opts.rope)
  const g = new GraphBuilder('flux_transformer')
  const nAxes = s.rope.axesDim.length
  const img = g.input('img', ['batch', 'img_len', s.inChannels])
  const imgIds = g.input('img_ids', ['batch', 'img_len', nAxes])
  const txt = g.input('txt', ['batch', 'txt_len', s.contextInDim])
  const txtIds = g.input('txt_ids', ['batch', 'txt_len', nAxes])
  const timesteps = g.input('timesteps', ['batch'])
  const y = g.input('y', ['batch', s.vecInDim])
  const guidance = s.guidanceEmbed ? g.input('guidance', ['batch']) : null
  const heavy = opts.precision ?? 'float32'

  // The sinusoidal embeddings (and RoPE's angles below) are float32 whatever `heavy` is.
  const vec = g.scoped('vec', () => {
    let v = mlpEmbedder(g, src, 'time_in', timestepEmbedding(g, timesteps, s.timeDim), s.timeDim, s.hidden, heavy)
    if (guidance)
      v = g.op('Add', [v, mlpEmbedder(g, src, 'guidance_in', timestepEmbedding(g, guidance, s.timeDim), s.timeDim, s.hidden, heavy)])
    return g.op('Add', [v, mlpEmbedder(g, src, 'vector_in', y, s.vecInDim, s.hidden, heavy)])
  })
  const pe = g.scoped('pe', () => ropeAngles(g, g.op('Concat', [txtIds, imgIds], { axis: attr.i(1) }), s.rope))
  const c: BlockContext = {
    g,
    src,
    sizes: s,
    attention: opts.attention ?? 'fused',
    heavy,
    siluVec: castTo(g, silu(g, vec), 'float32', heavy),
    cos: pe.cos,
    sin: pe.sin,
    txtLen: g.op('Shape', [txt], { start: attr.i(1), end: attr.i(2) }),
  }

  let imgH = heavyLinear(c, 'img_in', img, s.inChannels, s.hidden)
  let txtH = heavyLinear(c, 'txt_in', txt, s.contextInDim, s.hidden)
  for (let i = 0; i < s.depth; i++) ({ img: imgH, txt: txtH } = doubleStreamBlock(c, i, imgH, txtH))
  let x = g.op('Concat', [txtH, imgH], { axis: attr.i(1) })
  for (let i = 0; i < s.depthSingle; i++) x = singleStreamBlock(c, i, x)
  const imgOut = splitText(c, x).img

  const pred = g.scoped('final_layer', () => {
    const ada = castTo(
      g,
      linear(g, src, 'final_layer.adaLN_modulation.1', c.siluVec, s.hidden, 2 * s.hidden, true, heavy),
      heavy,
      'float32',
    )
    // BFL's LastLayer chunks into (shift, scale) — the reverse of diffusers' order.
    const [shift, scale] = splitLast(g, g.op('Unsqueeze', [ada, g.constI64([1])]), [s.hidden, s.hidden]) as [string, string]
    const normed = modulate(g, layerNormPlain(g, imgOut, s.hidden), shift, scale)
    return heavyLinear(c, 'final_layer.linear', normed, s.hidden, s.outChannels)
  })
  g.output(pred, 'pred', ['batch', 'img_len', s.outChannels])

  const inputs = ['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y', ...(guidance ? ['guidance'] : [])]
  return { graph: g, sizes: s, inputs, outputs: ['pred'], precision: heavy }
}

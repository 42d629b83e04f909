/**
 * FLUX's transformer blocks as graph fragments, in BFL's tensor names: the double-stream block
 * (separate image and text weights, joint attention over [text ; image]) and the single-stream
 * block (one fused linear for qkv and the MLP input, one for the attention output and the MLP
 * output). Activations are [B, L, hidden]; heads are [B, L, H, D] so no transposes are needed
 * around the fused attention op.
 *
 * Mixed precision (`heavy` = float16): the Linears, the attention and the MLP run in float16 with
 * float16 weights; the residual stream, the LayerNorms and the modulation arithmetic, the q/k
 * RMSNorms and RoPE stay float32 (as BFL computes the norms and RoPE in float32 under bf16), with
 * a Cast at each island's edge. Keeping the residual stream float32 is why no activation clamp is
 * needed (diffusers clamps FLUX's fp16 hidden states to ±65504 instead).
 */
import { attr, type FloatType, type GraphBuilder } from '../onnxGraph'
import {
  applyRope,
  attention,
  castTo,
  geluTanh,
  layerNormPlain,
  linear,
  modulate,
  rmsNorm,
  splitLast,
  toHeads,
  type AttentionKind,
} from '../layers'
import type { TensorSource } from '../tensorSource'
import type { FluxSizes } from './fluxConfig'

/** Values every block reads: silu(vec), the rotary cos/sin, and the text length. */
export interface BlockContext {
  readonly g: GraphBuilder
  readonly src: TensorSource
  readonly sizes: FluxSizes
  readonly attention: AttentionKind
  /** What the Linears, attention and MLP compute in (the rest is float32). */
  readonly heavy: FloatType
  /** silu(vec) [B, hidden] in `heavy` — every Modulation's Linear starts with it. */
  readonly siluVec: string
  readonly cos: string
  readonly sin: string
  /** The text length T as a [1] int64 tensor (the split point of the joint sequence). */
  readonly txtLen: string
}

export interface Mod {
  readonly shift: string
  readonly scale: string
  readonly gate: string
}

/** A float32 value into the heavy type, and back. */
const toHeavy = (c: BlockContext, x: string): string => castTo(c.g, x, 'float32', c.heavy)
const toF32 = (c: BlockContext, x: string): string => castTo(c.g, x, c.heavy, 'float32')

/** A Linear in the heavy type from a float32 input to a float32 output. */
export const heavyLinear = (c: BlockContext, prefix: string, x: string, inDim: number, outDim: number, bias = true): string =>
  toF32(c, linear(c.g, c.src, prefix, toHeavy(c, x), inDim, outDim, bias, c.heavy))

/** Modulation: Linear(silu(vec)) [B, 1, n·hidden] (float32) chunked into n/3 (shift, scale, gate) triples. */
export function modulation(c: BlockContext, prefix: string, double: boolean): Mod[] {
  const n = double ? 6 : 3
  const h = c.sizes.hidden
  const lin = toF32(c, linear(c.g, c.src, `${prefix}.lin`, c.siluVec, h, n * h, true, c.heavy))
  const parts = splitLast(c.g, c.g.op('Unsqueeze', [lin, c.g.constI64([1])]), new Array<number>(n).fill(h))
  const mods: Mod[] = []
  for (let i = 0; i < n; i += 3) mods.push({ shift: parts[i]!, scale: parts[i + 1]!, gate: parts[i + 2]! })
  return mods
}

/**
 * Splits a fused [B, L, 3·hidden] qkv (heavy) into heads and applies the per-head RMS norms to q
 * and k, which come out float32; v stays heavy.
 */
function qkvHeads(c: BlockContext, qkv: string, normPrefix: string): { q: string; k: string; v: string } {
  const { hidden, heads, headDim } = c.sizes
  const [q, k, v] = splitLast(c.g, qkv, [hidden, hidden, hidden]).map((t) => toHeads(c.g, t, heads, headDim)) as [string, string, string]
  return {
    q: rmsNorm(c.g, c.src, `${normPrefix}.query_norm.scale`, toF32(c, q), headDim),
    k: rmsNorm(c.g, c.src, `${normPrefix}.key_norm.scale`, toF32(c, k), headDim),
    v,
  }
}

/** RoPE on q and k (float32), then attention (heavy) over the whole joint sequence → [B, L, hidden] heavy. */
function ropeAttention(c: BlockContext, q: string, k: string, v: string): string {
  const { heads, headDim } = c.sizes
  const qr = toHeavy(c, applyRope(c.g, q, c.cos, c.sin, heads, headDim))
  const kr = toHeavy(c, applyRope(c.g, k, c.cos, c.sin, heads, headDim))
  return attention(c.g, qr, kr, v, heads, headDim, c.attention, c.heavy)
}

const sliceSeq = (c: BlockContext, x: string, start: string, end: string): string => c.g.op('Slice', [x, start, end, c.g.constI64([1])])
const INT64_MAX = 9223372036854775807n

/** x[:, :T] and x[:, T:] along the sequence axis. */
export function splitText(c: BlockContext, x: string): { txt: string; img: string } {
  return {
    txt: sliceSeq(c, x, c.g.constI64([0]), c.txtLen),
    img: sliceSeq(c, x, c.txtLen, c.g.constI64([INT64_MAX])),
  }
}

/** `x + gate · y` */
const gated = (c: BlockContext, x: string, gate: string, y: string): string => c.g.op('Add', [x, c.g.op('Mul', [gate, y])])

/** The MLP from a float32 input to a float32 output, computed in the heavy type. */
function mlp(c: BlockContext, prefix: string, x: string): string {
  const { hidden, mlpHidden } = c.sizes
  const hid = geluTanh(c.g, linear(c.g, c.src, `${prefix}.0`, toHeavy(c, x), hidden, mlpHidden, true, c.heavy), c.heavy)
  return toF32(c, linear(c.g, c.src, `${prefix}.2`, hid, mlpHidden, hidden, true, c.heavy))
}

/** DoubleStreamBlock: returns the new (img, txt). */
export function doubleStreamBlock(c: BlockContext, index: number, img: string, txt: string): { img: string; txt: string } {
  const p = `double_blocks.${index}`
  return c.g.scoped(p, () => {
    const { hidden, qkvBias } = c.sizes
    const [img1, img2] = modulation(c, `${p}.img_mod`, true) as [Mod, Mod]
    const [txt1, txt2] = modulation(c, `${p}.txt_mod`, true) as [Mod, Mod]

    const streamQkv = (x: string, stream: 'img' | 'txt', m: Mod) => {
      const xm = modulate(c.g, layerNormPlain(c.g, x, hidden), m.shift, m.scale)
      const qkv = linear(c.g, c.src, `${p}.${stream}_attn.qkv`, toHeavy(c, xm), hidden, 3 * hidden, qkvBias, c.heavy)
      return qkvHeads(c, qkv, `${p}.${stream}_attn.norm`)
    }
    const i = streamQkv(img, 'img', img1)
    const t = streamQkv(txt, 'txt', txt1)
    // Joint attention over [text ; image], in that order, as BFL concatenates them.
    const cat = (a: string, b: string) => c.g.op('Concat', [a, b], { axis: attr.i(1) })
    const attn = ropeAttention(c, cat(t.q, i.q), cat(t.k, i.k), cat(t.v, i.v))
    const parts = splitText(c, attn)

    const stream = (x: string, a: string, name: 'img' | 'txt', m1: Mod, m2: Mod) => {
      const afterAttn = gated(c, x, m1.gate, toF32(c, linear(c.g, c.src, `${p}.${name}_attn.proj`, a, hidden, hidden, true, c.heavy)))
      const mlpIn = modulate(c.g, layerNormPlain(c.g, afterAttn, hidden), m2.shift, m2.scale)
      return gated(c, afterAttn, m2.gate, mlp(c, `${p}.${name}_mlp`, mlpIn))
    }
    return { img: stream(img, parts.img, 'img', img1, img2), txt: stream(txt, parts.txt, 'txt', txt1, txt2) }
  })
}

/** SingleStreamBlock over the joint sequence x = [text ; image]. */
export function singleStreamBlock(c: BlockContext, index: number, x: string): string {
  const p = `single_blocks.${index}`
  return c.g.scoped(p, () => {
    const { hidden, mlpHidden } = c.sizes
    const [m] = modulation(c, `${p}.modulation`, false) as [Mod]
    const xm = modulate(c.g, layerNormPlain(c.g, x, hidden), m.shift, m.scale)
    const fused = linear(c.g, c.src, `${p}.linear1`, toHeavy(c, xm), hidden, 3 * hidden + mlpHidden, true, c.heavy)
    const [qkv, mlpIn] = splitLast(c.g, fused, [3 * hidden, mlpHidden]) as [string, string]
    const { q, k, v } = qkvHeads(c, qkv, `${p}.norm`)
    const attn = ropeAttention(c, q, k, v)
    const both = c.g.op('Concat', [attn, geluTanh(c.g, mlpIn, c.heavy)], { axis: attr.i(-1) })
    return gated(c, x, m.gate, toF32(c, linear(c.g, c.src, `${p}.linear2`, both, hidden + mlpHidden, hidden, true, c.heavy)))
  })
}

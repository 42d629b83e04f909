/**
 * Convolutional layer helpers (NCHW) for the autoencoder: Conv2d, GroupNorm, swish, nearest ×2
 * upsampling and single-head spatial self-attention. Weights come from a TensorSource under the
 * checkpoint's names, shape-checked.
 */
import { attr, type GraphBuilder, MS_DOMAIN } from './onnxGraph'
import type { AttentionKind } from './layers'
import { requireShape, tensorReader, type TensorSource } from './tensorSource'

export interface ConvSpec {
  readonly kernel: number
  readonly stride?: number
  /** [top, left, bottom, right] (ONNX's [h_begin, w_begin, h_end, w_end]). */
  readonly pads: readonly [number, number, number, number]
}

/** nn.Conv2d with `{prefix}.weight` [out, in, k, k] and `{prefix}.bias` [out]. */
export function conv2d(g: GraphBuilder, src: TensorSource, prefix: string, x: string, inC: number, outC: number, spec: ConvSpec): string {
  const k = spec.kernel
  const w = g.weight(`${prefix}.weight`, [outC, inC, k, k], tensorReader(src, `${prefix}.weight`, [outC, inC, k, k]))
  const b = g.weight(`${prefix}.bias`, [outC], tensorReader(src, `${prefix}.bias`, [outC]))
  const s = spec.stride ?? 1
  return g.op('Conv', [x, w, b], { kernel_shape: attr.ints([k, k]), strides: attr.ints([s, s]), pads: attr.ints(spec.pads) })
}

export const conv3x3 = (g: GraphBuilder, src: TensorSource, prefix: string, x: string, inC: number, outC: number): string =>
  conv2d(g, src, prefix, x, inC, outC, { kernel: 3, pads: [1, 1, 1, 1] })

export const conv1x1 = (g: GraphBuilder, src: TensorSource, prefix: string, x: string, inC: number, outC: number): string =>
  conv2d(g, src, prefix, x, inC, outC, { kernel: 1, pads: [0, 0, 0, 0] })

/** The channel count a conv's weight says it produces. */
export const convOut = (src: TensorSource, prefix: string): number => requireShape(src, `${prefix}.weight`, 4)[0] as number

/**
 * nn.GroupNorm(groups, C, eps, affine): InstanceNormalization over [B, groups, C/groups·H·W]
 * (opset 17 has no GroupNormalization), then the per-channel affine.
 */
export function groupNorm(
  g: GraphBuilder,
  src: TensorSource,
  prefix: string,
  x: string,
  channels: number,
  groups = 32,
  eps = 1e-6,
): string {
  if (channels % groups !== 0) throw new Error(`${prefix}: ${channels} channels do not split into ${groups} groups`)
  const gamma = g.weight(`${prefix}.weight`, [channels, 1, 1], tensorReader(src, `${prefix}.weight`, [channels]))
  const beta = g.weight(`${prefix}.bias`, [channels, 1, 1], tensorReader(src, `${prefix}.bias`, [channels]))
  const grouped = g.op('Reshape', [x, g.constI64([0, groups, -1])])
  const normed = g.op(
    'InstanceNormalization',
    [grouped, g.constF32(new Float32Array(groups).fill(1), [groups]), g.constF32(new Float32Array(groups), [groups])],
    { epsilon: attr.f(eps) },
  )
  const back = g.op('Reshape', [normed, g.op('Shape', [x])])
  return g.op('Add', [g.op('Mul', [back, gamma]), beta])
}

export const swish = (g: GraphBuilder, x: string): string => g.op('Mul', [x, g.op('Sigmoid', [x])])

/** Nearest-neighbour ×2 (F.interpolate(scale_factor=2, mode="nearest")). */
export function upsample2x(g: GraphBuilder, x: string): string {
  return g.op('Resize', [x, '', g.constF32([1, 1, 2, 2])], {
    mode: attr.s('nearest'),
    coordinate_transformation_mode: attr.s('asymmetric'),
    nearest_mode: attr.s('floor'),
  })
}

/**
 * The autoencoder's AttnBlock: GroupNorm → 1×1 q, k, v → one-head attention over the H·W
 * positions → 1×1 proj_out, added to the input.
 */
export function spatialAttention(g: GraphBuilder, src: TensorSource, prefix: string, x: string, c: number, kind: AttentionKind): string {
  const h = groupNorm(g, src, `${prefix}.norm`, x, c)
  // [B, C, H, W] → [B, H·W, C]
  const tokens = (t: string) => g.op('Transpose', [g.op('Reshape', [t, g.constI64([0, c, -1])])], { perm: attr.ints([0, 2, 1]) })
  const [q, k, v] = (['q', 'k', 'v'] as const).map((n) => tokens(conv1x1(g, src, `${prefix}.${n}`, h, c, c))) as [string, string, string]
  const scale = 1 / Math.sqrt(c)
  let out: string
  if (kind === 'fused') {
    out = g.op('MultiHeadAttention', [q, k, v], { num_heads: attr.i(1), scale: attr.f(scale) }, MS_DOMAIN)
  } else {
    const scores = g.op('Mul', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: attr.ints([0, 2, 1]) })]), g.constF32([scale], [])])
    out = g.op('MatMul', [g.op('Softmax', [scores], { axis: attr.i(-1) }), v])
  }
  const spatial = g.op('Reshape', [g.op('Transpose', [out], { perm: attr.ints([0, 2, 1]) }), g.op('Shape', [x])])
  return g.op('Add', [x, conv1x1(g, src, `${prefix}.proj_out`, spatial, c, c)])
}

/** ResnetBlock: GN → swish → conv3×3 → GN → swish → conv3×3, plus a 1×1 shortcut when C changes. */
export function resnetBlock(g: GraphBuilder, src: TensorSource, prefix: string, x: string, inC: number, outC: number): string {
  let h = conv3x3(g, src, `${prefix}.conv1`, swish(g, groupNorm(g, src, `${prefix}.norm1`, x, inC)), inC, outC)
  h = conv3x3(g, src, `${prefix}.conv2`, swish(g, groupNorm(g, src, `${prefix}.norm2`, h, outC)), outC, outC)
  const skip = inC === outC ? x : conv1x1(g, src, `${prefix}.nin_shortcut`, x, inC, outC)
  return g.op('Add', [skip, h])
}

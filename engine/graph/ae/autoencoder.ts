/**
 * The FLUX autoencoder (BFL's `ae.safetensors` layout) as two ONNX graphs:
 *   ae-encode: x [B, 3, H, W] in [-1, 1] → z = scale · (mean − shift)   [B, z, H/f, W/f]
 *   ae-decode: z → x = Decoder(z / scale + shift)
 * The encoder returns the posterior MEAN (the first z channels of conv_out), never a sample,
 * and applies BFL's scale and shift inside the graph, as AutoEncoder.encode/decode do.
 * Sizes (ch, ch_mult, res blocks, z channels) are read from the tensors; scale and shift are not
 * stored in the checkpoint and come from the config (FLUX.1: 0.3611, 0.1159).
 */
import { conv2d, conv3x3, convOut, groupNorm, resnetBlock, spatialAttention, swish, upsample2x } from '../convLayers'
import type { AttentionKind } from '../layers'
import { GraphBuilder } from '../onnxGraph'
import { CheckpointShapeError, countBlocks, requireShape, type TensorSource } from '../tensorSource'

export interface AeScaling {
  readonly scale: number
  readonly shift: number
}

export const FLUX1_AE_SCALING: AeScaling = { scale: 0.3611, shift: 0.1159 }

export interface AeSizes {
  readonly inChannels: number
  readonly outChannels: number
  readonly zChannels: number
  /** Channels per level, e.g. [128, 256, 512, 512]. */
  readonly levels: readonly number[]
  readonly resBlocks: number
  /** Spatial reduction factor 2^(levels − 1). */
  readonly factor: number
}

export function aeSizes(src: TensorSource): AeSizes {
  const nLevels = countBlocks(src, 'encoder.down')
  if (nLevels === 0)
    throw new CheckpointShapeError('the checkpoint has no encoder.down.* blocks: it is not a FLUX autoencoder (ae.safetensors)')
  const levels = Array.from({ length: nLevels }, (_, i) => convOut(src, `encoder.down.${i}.block.0.conv1`))
  const zDouble = convOut(src, 'encoder.conv_out')
  const decUp = countBlocks(src, 'decoder.up')
  if (decUp !== nLevels) throw new CheckpointShapeError(`the decoder has ${decUp} up levels, the encoder ${nLevels} down levels`)
  return {
    inChannels: requireShape(src, 'encoder.conv_in.weight', 4)[1] as number,
    outChannels: convOut(src, 'decoder.conv_out'),
    zChannels: zDouble / 2,
    levels,
    resBlocks: countBlocks(src, 'encoder.down.0.block'),
    factor: 2 ** (nLevels - 1),
  }
}

export interface AeGraphOptions {
  readonly scaling?: AeScaling
  readonly attention?: AttentionKind
}

export interface BuiltAeGraph {
  readonly graph: GraphBuilder
  readonly sizes: AeSizes
}

function middle(g: GraphBuilder, src: TensorSource, p: string, h: string, c: number, kind: AttentionKind): string {
  h = resnetBlock(g, src, `${p}.mid.block_1`, h, c, c)
  h = spatialAttention(g, src, `${p}.mid.attn_1`, h, c, kind)
  return resnetBlock(g, src, `${p}.mid.block_2`, h, c, c)
}

export function buildAeEncoder(src: TensorSource, opts: AeGraphOptions = {}): BuiltAeGraph {
  const s = aeSizes(src)
  const { scale, shift } = opts.scaling ?? FLUX1_AE_SCALING
  const kind = opts.attention ?? 'fused'
  const g = new GraphBuilder('flux_ae_encoder')
  const x = g.input('x', ['batch', s.inChannels, 'height', 'width'])
  let h = conv3x3(g, src, 'encoder.conv_in', x, s.inChannels, convOut(src, 'encoder.conv_in'))
  let c = convOut(src, 'encoder.conv_in')
  s.levels.forEach((out, i) => {
    for (let j = 0; j < s.resBlocks; j++) {
      h = resnetBlock(g, src, `encoder.down.${i}.block.${j}`, h, c, out)
      c = out
    }
    // BFL's Downsample: zero pad one row/column at the bottom/right, then a 3×3 stride-2 conv.
    if (i !== s.levels.length - 1)
      h = conv2d(g, src, `encoder.down.${i}.downsample.conv`, h, c, c, { kernel: 3, stride: 2, pads: [0, 0, 1, 1] })
  })
  h = middle(g, src, 'encoder', h, c, kind)
  h = conv3x3(g, src, 'encoder.conv_out', swish(g, groupNorm(g, src, 'encoder.norm_out', h, c)), c, 2 * s.zChannels)
  // DiagonalGaussian without sampling: the mean is the first half of the channels.
  const mean = g.op('Slice', [h, g.constI64([0]), g.constI64([s.zChannels]), g.constI64([1])])
  const z = g.op('Mul', [g.op('Sub', [mean, g.constF32([shift], [])]), g.constF32([scale], [])])
  g.output(z, 'z', ['batch', s.zChannels, 'latent_height', 'latent_width'])
  return { graph: g, sizes: s }
}

export function buildAeDecoder(src: TensorSource, opts: AeGraphOptions = {}): BuiltAeGraph {
  const s = aeSizes(src)
  const { scale, shift } = opts.scaling ?? FLUX1_AE_SCALING
  const kind = opts.attention ?? 'fused'
  const g = new GraphBuilder('flux_ae_decoder')
  const zIn = g.input('z', ['batch', s.zChannels, 'latent_height', 'latent_width'])
  const z = g.op('Add', [g.op('Div', [zIn, g.constF32([scale], [])]), g.constF32([shift], [])])
  let c = s.levels[s.levels.length - 1]!
  let h = conv3x3(g, src, 'decoder.conv_in', z, s.zChannels, c)
  h = middle(g, src, 'decoder', h, c, kind)
  const upBlocks = countBlocks(src, 'decoder.up.0.block')
  for (let i = s.levels.length - 1; i >= 0; i--) {
    const out = convOut(src, `decoder.up.${i}.block.0.conv1`)
    for (let j = 0; j < upBlocks; j++) {
      h = resnetBlock(g, src, `decoder.up.${i}.block.${j}`, h, c, out)
      c = out
    }
    if (i !== 0) h = conv3x3(g, src, `decoder.up.${i}.upsample.conv`, upsample2x(g, h), c, c)
  }
  h = conv3x3(g, src, 'decoder.conv_out', swish(g, groupNorm(g, src, 'decoder.norm_out', h, c)), c, s.outChannels)
  g.output(h, 'x', ['batch', s.outChannels, 'height', 'width'])
  return { graph: g, sizes: s }
}

/**
 * The FLUX transformer's sizes, read from a checkpoint in BFL's layout (`flux1-*.safetensors`):
 * widths from the embedders, head size from the q/k norm scales, depths by counting blocks. Only
 * the RoPE axes and theta cannot be seen in the tensors; they come from a small config (FLUX.1:
 * axes [16, 56, 56], theta 10000).
 */
import { CheckpointShapeError, countBlocks, requireShape, type TensorSource } from '../tensorSource'

export interface RopeConfig {
  /** Rotary dims per position axis (index, row, column); they sum to the head size. */
  readonly axesDim: readonly number[]
  readonly theta: number
}

export const FLUX1_ROPE: RopeConfig = { axesDim: [16, 56, 56], theta: 10_000 }

export interface FluxSizes {
  readonly inChannels: number
  readonly outChannels: number
  readonly hidden: number
  readonly heads: number
  readonly headDim: number
  readonly mlpHidden: number
  readonly contextInDim: number
  readonly vecInDim: number
  readonly depth: number
  readonly depthSingle: number
  readonly qkvBias: boolean
  readonly guidanceEmbed: boolean
  /** The sinusoidal timestep embedding's width (256 in FLUX). */
  readonly timeDim: number
  readonly rope: RopeConfig
}

const dim = (src: TensorSource, name: string, rank: number, axis: number): number => requireShape(src, name, rank)[axis] as number

export function fluxSizes(src: TensorSource, rope: RopeConfig): FluxSizes {
  const hidden = dim(src, 'img_in.weight', 2, 0)
  const inChannels = dim(src, 'img_in.weight', 2, 1)
  const depth = countBlocks(src, 'double_blocks')
  const depthSingle = countBlocks(src, 'single_blocks')
  if (depth + depthSingle === 0)
    throw new CheckpointShapeError('the checkpoint has neither double_blocks.* nor single_blocks.*: it is not a FLUX transformer')
  const normName = depth > 0 ? 'double_blocks.0.img_attn.norm.query_norm.scale' : 'single_blocks.0.norm.query_norm.scale'
  const headDim = dim(src, normName, 1, 0)
  if (hidden % headDim !== 0)
    throw new CheckpointShapeError(`hidden size ${hidden} is not a multiple of the head size ${headDim} (${normName})`)
  const mlpHidden =
    depth > 0 ? dim(src, 'double_blocks.0.img_mlp.0.weight', 2, 0) : dim(src, 'single_blocks.0.linear1.weight', 2, 0) - 3 * hidden
  const axesSum = rope.axesDim.reduce((a, b) => a + b, 0)
  if (axesSum !== headDim || rope.axesDim.some((d) => d % 2 !== 0))
    throw new CheckpointShapeError(
      `the RoPE axes [${rope.axesDim.join(', ')}] must be even and sum to the head size ${headDim}; check the model's config`,
    )
  return {
    inChannels,
    outChannels: dim(src, 'final_layer.linear.weight', 2, 0),
    hidden,
    heads: hidden / headDim,
    headDim,
    mlpHidden,
    contextInDim: dim(src, 'txt_in.weight', 2, 1),
    vecInDim: dim(src, 'vector_in.in_layer.weight', 2, 1),
    depth,
    depthSingle,
    qkvBias: depth > 0 && src.shape('double_blocks.0.img_attn.qkv.bias') !== undefined,
    guidanceEmbed: src.shape('guidance_in.in_layer.weight') !== undefined,
    timeDim: dim(src, 'time_in.in_layer.weight', 2, 1),
    rope,
  }
}

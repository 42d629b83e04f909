/** A detected component's tensors as float32 under its layout's names (what the PyTorch references load). */
import { openComponent, type ComponentFound } from '../../engine/weights/index'
import type { F32Tensor } from './f32Safetensors'

export function f32Tensors(c: ComponentFound): Map<string, F32Tensor> {
  const r = openComponent(c)
  try {
    return new Map([...c.tensors].map(([name, t]) => [name, { shape: t.shape, data: r.readFloat32(name) }]))
  } finally {
    r.close()
  }
}

/** FluxParams / AeParams (BFL's field names) for the test folders' dims and the given RoPE axes. */
export function referenceParams(
  t: {
    inChannels: number
    vecIn: number
    contextIn: number
    hidden: number
    mlpRatio: number
    heads: number
    depth: number
    depthSingle: number
  },
  a: { ch: number; chMult: number[]; resBlocks: number; zChannels: number },
  rope: { axes: number[]; theta: number },
) {
  return {
    flux: {
      in_channels: t.inChannels,
      out_channels: t.inChannels,
      vec_in_dim: t.vecIn,
      context_in_dim: t.contextIn,
      hidden_size: t.hidden,
      mlp_ratio: t.mlpRatio,
      num_heads: t.heads,
      depth: t.depth,
      depth_single_blocks: t.depthSingle,
      axes_dim: rope.axes,
      theta: rope.theta,
      qkv_bias: true,
      guidance_embed: true,
    },
    ae: {
      in_channels: 3,
      out_ch: 3,
      ch: a.ch,
      ch_mult: a.chMult,
      num_res_blocks: a.resBlocks,
      z_channels: a.zChannels,
      scale_factor: 0.3611,
      shift_factor: 0.1159,
    },
  }
}

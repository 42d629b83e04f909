/**
 * The 16-channel FLUX autoencoder in BFL's layout (`ae.safetensors`, `modules/autoencoder.py`) and
 * diffusers' (`vae/`, `AutoencoderKL`). Channel widths are read from each block's first conv, so
 * the same rules check a 335 MB original and a tiny random twin. Pure.
 */
import { countBlocks, dim, Expect, type LayoutAnalysis, type LayoutDef, type TensorView } from './layouts'

interface AeNames {
  convIn: string
  convOut: string
  normOut: string
  level: (l: number) => string
  block: (l: number, r: number) => string
  down: (l: number) => string
  up: (l: number) => string
  /** Resnet sub-names: the 1×1 shortcut. */
  shortcut: string
  mid: { block1: string; block2: string; attn: string; attnNorm: string; attnQkvOut: readonly string[]; attnIsLinear: boolean }
}

const BFL: { enc: AeNames; dec: AeNames } = (() => {
  const common = (side: 'encoder' | 'decoder') => ({
    convIn: `${side}.conv_in`,
    convOut: `${side}.conv_out`,
    normOut: `${side}.norm_out`,
    shortcut: 'nin_shortcut',
    mid: {
      block1: `${side}.mid.block_1`,
      block2: `${side}.mid.block_2`,
      attn: `${side}.mid.attn_1`,
      attnNorm: 'norm',
      attnQkvOut: ['q', 'k', 'v', 'proj_out'],
      attnIsLinear: false,
    },
  })
  return {
    enc: {
      ...common('encoder'),
      level: (l) => `encoder.down.${l}.block.`,
      block: (l, r) => `encoder.down.${l}.block.${r}`,
      down: (l) => `encoder.down.${l}.downsample.conv`,
      up: () => '',
    },
    dec: {
      ...common('decoder'),
      level: (l) => `decoder.up.${l}.block.`,
      block: (l, r) => `decoder.up.${l}.block.${r}`,
      down: () => '',
      up: (l) => `decoder.up.${l}.upsample.conv`,
    },
  }
})()

const DIFFUSERS: { enc: AeNames; dec: AeNames } = (() => {
  const common = (side: 'encoder' | 'decoder') => ({
    convIn: `${side}.conv_in`,
    convOut: `${side}.conv_out`,
    normOut: `${side}.conv_norm_out`,
    shortcut: 'conv_shortcut',
    mid: {
      block1: `${side}.mid_block.resnets.0`,
      block2: `${side}.mid_block.resnets.1`,
      attn: `${side}.mid_block.attentions.0`,
      attnNorm: 'group_norm',
      attnQkvOut: ['to_q', 'to_k', 'to_v', 'to_out.0'],
      attnIsLinear: true,
    },
  })
  return {
    enc: {
      ...common('encoder'),
      level: (l) => `encoder.down_blocks.${l}.resnets.`,
      block: (l, r) => `encoder.down_blocks.${l}.resnets.${r}`,
      down: (l) => `encoder.down_blocks.${l}.downsamplers.0.conv`,
      up: () => '',
    },
    dec: {
      ...common('decoder'),
      level: (l) => `decoder.up_blocks.${l}.resnets.`,
      block: (l, r) => `decoder.up_blocks.${l}.resnets.${r}`,
      down: () => '',
      up: (l) => `decoder.up_blocks.${l}.upsamplers.0.conv`,
    },
  }
})()

/** A ResnetBlock: GroupNorm → conv3×3 → GroupNorm → conv3×3, 1×1 shortcut when widths differ. Returns its output width. */
function resnet(e: Expect, t: TensorView, p: string, shortcut: string): number {
  const out = dim(t, `${p}.conv1.weight`, 0)
  const inp = dim(t, `${p}.conv1.weight`, 1)
  e.norm(`${p}.norm1`, inp)
  e.conv(`${p}.conv1`, out, inp, 3)
  e.norm(`${p}.norm2`, out)
  e.conv(`${p}.conv2`, out, out, 3)
  if (inp !== out) e.conv(`${p}.${shortcut}`, out, inp, 1)
  return out
}

function midBlock(e: Expect, t: TensorView, n: AeNames): void {
  const c = resnet(e, t, n.mid.block1, n.shortcut)
  e.norm(`${n.mid.attn}.${n.mid.attnNorm}`, c)
  for (const q of n.mid.attnQkvOut) {
    if (n.mid.attnIsLinear) e.linear(`${n.mid.attn}.${q}`, c, c)
    else e.conv(`${n.mid.attn}.${q}`, c, c, 1)
  }
  resnet(e, t, n.mid.block2, n.shortcut)
}

/** Levels and resnets per level of one half, from the names present. */
function levels(t: TensorView, n: AeNames): { count: number; perLevel: number } {
  let count = 0
  while (countBlocks(t, n.level(count)) > 0) count++
  return { count, perLevel: count ? countBlocks(t, n.level(0)) : 0 }
}

function analyseAe(t: TensorView, names: { enc: AeNames; dec: AeNames }, diffusersLayout: boolean): LayoutAnalysis {
  const e = new Expect(t)
  const problems: string[] = []
  const encoder = t.has(`${names.enc.convIn}.weight`)
  const decoder = t.has(`${names.dec.convIn}.weight`)
  const z2 = dim(t, `${names.enc.convOut}.weight`, 0)
  const z = decoder ? dim(t, `${names.dec.convIn}.weight`, 1) : z2 / 2
  const enc = levels(t, names.enc)
  const dec = levels(t, names.dec)
  if (encoder) {
    const ch = dim(t, `${names.enc.convIn}.weight`, 0)
    e.conv(names.enc.convIn, ch, 3, 3)
    for (let l = 0; l < enc.count; l++) {
      for (let r = 0; r < enc.perLevel; r++) resnet(e, t, names.enc.block(l, r), names.enc.shortcut)
      if (l < enc.count - 1) e.conv(names.enc.down(l), dim(t, `${names.enc.block(l, 0)}.conv1.weight`, 0), null, 3)
    }
    midBlock(e, t, names.enc)
    const c = dim(t, `${names.enc.mid.block1}.conv1.weight`, 0)
    e.norm(names.enc.normOut, c)
    e.conv(names.enc.convOut, 2 * z, c, 3)
  }
  if (decoder) {
    midBlock(e, t, names.dec)
    for (let l = 0; l < dec.count; l++) {
      for (let r = 0; r < dec.perLevel; r++) resnet(e, t, names.dec.block(l, r), names.dec.shortcut)
      // BFL numbers up-levels from the output side (level 0 has no upsampler); diffusers from the latent side.
      const hasUp = diffusersLayout ? l < dec.count - 1 : l > 0
      if (hasUp) e.conv(names.dec.up(l), dim(t, `${names.dec.block(l, 0)}.conv1.weight`, 0), null, 3)
    }
    const cIn = dim(t, `${names.dec.convIn}.weight`, 0)
    e.conv(names.dec.convIn, cIn, z, 3)
    const ch = dim(t, `${names.dec.convOut}.weight`, 1)
    e.norm(names.dec.normOut, ch)
    e.conv(names.dec.convOut, 3, ch, 3)
  }
  if (!encoder) problems.push('it has no encoder half (editing needs one to encode the context image).')
  if (!decoder) problems.push('it has no decoder half.')
  if (z !== 16) problems.push(`it has ${z} latent channels; FLUX's autoencoder has 16.`)
  if (t.has('quant_conv.weight') || t.has('post_quant_conv.weight'))
    problems.push('it has quant convolutions, which FLUX’s autoencoder does not (a Stable Diffusion VAE?).')
  const perLevel = Math.max(enc.perLevel, dec.perLevel - 1)
  return {
    dims: {
      zChannels: z,
      levels: Math.max(enc.count, dec.count),
      resBlocks: perLevel,
      baseChannels: encoder ? dim(t, `${names.enc.convIn}.weight`, 0) : dim(t, `${names.dec.convOut}.weight`, 1),
    },
    variant: z === 16 ? '16-channel autoencoder (FLUX.1; SD3’s has the same shapes but other scale/shift)' : `${z}-channel autoencoder`,
    missing: e.missing,
    misshapen: e.misshapen,
    problems,
    parts: { encoder, decoder },
  }
}

export const bflAutoencoder: LayoutDef = {
  kind: 'autoencoder',
  layout: 'bfl',
  anchors: ['decoder.mid.attn_1.q.weight', 'encoder.mid.attn_1.q.weight'],
  analyse: (t) => analyseAe(t, BFL, false),
}

export const diffusersAutoencoder: LayoutDef = {
  kind: 'autoencoder',
  layout: 'diffusers',
  anchors: ['decoder.mid_block.attentions.0.group_norm.weight', 'encoder.mid_block.attentions.0.group_norm.weight'],
  analyse: (t) => analyseAe(t, DIFFUSERS, true),
}

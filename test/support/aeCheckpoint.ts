/**
 * Small random autoencoders in BFL's `ae.safetensors` layout for conformance tests: the names
 * and shapes of an `AutoEncoder(AutoEncoderParams)` state dict, from a seeded PRNG. The Python
 * reference loads them with strict=True, so any name that differs from BFL's modules fails there.
 */
import type { SourceTensor } from '../../engine/graph/tensorSource'
import { randomArray, seededUniform } from './fluxCheckpoint'

export interface AeTestParams {
  readonly in_channels: number
  readonly out_ch: number
  readonly ch: number
  readonly ch_mult: readonly number[]
  readonly num_res_blocks: number
  readonly z_channels: number
  readonly scale_factor: number
  readonly shift_factor: number
}

/** Three levels (32, 64, 64 channels: shortcuts in both directions), ×4 down, 4 latent channels. */
export const TINY_AE: AeTestParams = {
  in_channels: 3,
  out_ch: 3,
  ch: 32,
  ch_mult: [1, 2, 2],
  num_res_blocks: 1,
  z_channels: 4,
  scale_factor: 0.3611,
  shift_factor: 0.1159,
}

/** FLUX.1's autoencoder (ae.safetensors): 128·[1, 2, 4, 4] channels, 2 res blocks, 16 latent channels, ×8. */
export const FLUX1_AE: AeTestParams = { ...TINY_AE, ch: 128, ch_mult: [1, 2, 4, 4], num_res_blocks: 2, z_channels: 16 }

type Entry = readonly [string, readonly number[]]

const conv = (p: string, cin: number, cout: number, k: number): Entry[] => [
  [`${p}.weight`, [cout, cin, k, k]],
  [`${p}.bias`, [cout]],
]
const gn = (p: string, c: number): Entry[] => [
  [`${p}.weight`, [c]],
  [`${p}.bias`, [c]],
]
const res = (p: string, cin: number, cout: number): Entry[] => [
  ...gn(`${p}.norm1`, cin),
  ...conv(`${p}.conv1`, cin, cout, 3),
  ...gn(`${p}.norm2`, cout),
  ...conv(`${p}.conv2`, cout, cout, 3),
  ...(cin !== cout ? conv(`${p}.nin_shortcut`, cin, cout, 1) : []),
]
const mid = (p: string, c: number): Entry[] => [
  ...res(`${p}.block_1`, c, c),
  ...gn(`${p}.attn_1.norm`, c),
  ...['q', 'k', 'v', 'proj_out'].flatMap((n) => conv(`${p}.attn_1.${n}`, c, c, 1)),
  ...res(`${p}.block_2`, c, c),
]

export function aeTensorShapes(p: AeTestParams): Entry[] {
  const out: Entry[] = [...conv('encoder.conv_in', p.in_channels, p.ch, 3)]
  let c = p.ch
  p.ch_mult.forEach((m, i) => {
    for (let j = 0; j < p.num_res_blocks; j++) {
      out.push(...res(`encoder.down.${i}.block.${j}`, c, p.ch * m))
      c = p.ch * m
    }
    if (i !== p.ch_mult.length - 1) out.push(...conv(`encoder.down.${i}.downsample.conv`, c, c, 3))
  })
  out.push(...mid('encoder.mid', c), ...gn('encoder.norm_out', c), ...conv('encoder.conv_out', c, 2 * p.z_channels, 3))
  c = p.ch * p.ch_mult[p.ch_mult.length - 1]!
  out.push(...conv('decoder.conv_in', p.z_channels, c, 3), ...mid('decoder.mid', c))
  for (let i = p.ch_mult.length - 1; i >= 0; i--) {
    for (let j = 0; j <= p.num_res_blocks; j++) {
      out.push(...res(`decoder.up.${i}.block.${j}`, c, p.ch * p.ch_mult[i]!))
      c = p.ch * p.ch_mult[i]!
    }
    if (i !== 0) out.push(...conv(`decoder.up.${i}.upsample.conv`, c, c, 3))
  }
  out.push(...gn('decoder.norm_out', c), ...conv('decoder.conv_out', c, p.out_ch, 3))
  return out
}

/** Weights ≈ U(±√(3/fan_in)), GroupNorm scales around 1, biases small. */
export function randomAeCheckpoint(p: AeTestParams, seed: number): Map<string, SourceTensor> {
  const rand = seededUniform(seed)
  const out = new Map<string, SourceTensor>()
  for (const [name, shape] of aeTensorShapes(p)) {
    const n = shape.reduce((a, b) => a * b, 1)
    let data: Float32Array
    if (shape.length === 1) data = /norm/.test(name) && name.endsWith('.weight') ? randomArray(rand, n, 0.3, 1) : randomArray(rand, n, 0.1)
    else data = randomArray(rand, n, Math.sqrt(3 / (n / shape[0]!)))
    out.set(name, { dtype: 'F32', shape, data })
  }
  return out
}

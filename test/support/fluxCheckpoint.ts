/**
 * Small random FLUX checkpoints in BFL's layout for conformance tests: the tensor names and
 * shapes a `Flux(FluxParams)` state dict has, filled from a seeded PRNG. The Python reference
 * loads them with `load_state_dict(strict=True)`, so a name or shape that differs from BFL's
 * module structure fails there, independently of the graph builder.
 */
import type { SourceTensor } from '../../engine/graph/tensorSource'

export interface FluxTestParams {
  readonly in_channels: number
  readonly out_channels: number
  readonly vec_in_dim: number
  readonly context_in_dim: number
  readonly hidden_size: number
  readonly mlp_ratio: number
  readonly num_heads: number
  readonly depth: number
  readonly depth_single_blocks: number
  readonly axes_dim: readonly number[]
  readonly theta: number
  readonly qkv_bias: boolean
  readonly guidance_embed: boolean
}

/** hidden 64, 2 heads of 32 (RoPE 8 + 12 + 12), 2 double + 2 single blocks. */
export const TINY_FLUX: FluxTestParams = {
  in_channels: 16,
  out_channels: 16,
  vec_in_dim: 12,
  context_in_dim: 24,
  hidden_size: 64,
  mlp_ratio: 4,
  num_heads: 2,
  depth: 2,
  depth_single_blocks: 2,
  axes_dim: [8, 12, 12],
  theta: 10_000,
  qkv_bias: true,
  guidance_embed: true,
}

/**
 * FLUX.1's full widths (hidden 3072, 24 heads of 128, RoPE 16 + 56 + 56, MLP 12288, T5 4096,
 * CLIP 768, 64 latent features) with one block of each kind: the per-block structure of the
 * 12-billion-parameter model at 2.2 GB in float32.
 */
export const FLUX1_WIDTH_TWIN: FluxTestParams = {
  in_channels: 64,
  out_channels: 64,
  vec_in_dim: 768,
  context_in_dim: 4096,
  hidden_size: 3072,
  mlp_ratio: 4,
  num_heads: 24,
  depth: 1,
  depth_single_blocks: 1,
  axes_dim: [16, 56, 56],
  theta: 10_000,
  qkv_bias: true,
  guidance_embed: true,
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function seededUniform(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Uniform values in [-amp, amp) (amp may be 0 for constant `offset`). */
export function randomArray(rand: () => number, n: number, amp: number, offset = 0): Float32Array {
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) a[i] = offset + amp * (2 * rand() - 1)
  return a
}

type Entry = readonly [string, readonly number[]]

const lin = (p: string, inn: number, out: number, bias = true): Entry[] => [
  [`${p}.weight`, [out, inn]],
  ...(bias ? ([[`${p}.bias`, [out]]] as Entry[]) : []),
]

/** Every tensor of BFL's Flux state dict, in module order. */
export function fluxTensorShapes(p: FluxTestParams): Entry[] {
  const h = p.hidden_size
  const mlp = Math.floor(h * p.mlp_ratio)
  const hd = h / p.num_heads
  const embed = (name: string, inn: number): Entry[] => [...lin(`${name}.in_layer`, inn, h), ...lin(`${name}.out_layer`, h, h)]
  const qk = (name: string): Entry[] => [
    [`${name}.query_norm.scale`, [hd]],
    [`${name}.key_norm.scale`, [hd]],
  ]
  const out: Entry[] = [...lin('img_in', p.in_channels, h), ...embed('time_in', 256), ...embed('vector_in', p.vec_in_dim)]
  if (p.guidance_embed) out.push(...embed('guidance_in', 256))
  out.push(...lin('txt_in', p.context_in_dim, h))
  for (let i = 0; i < p.depth; i++) {
    const b = `double_blocks.${i}`
    for (const s of ['img', 'txt'])
      out.push(
        ...lin(`${b}.${s}_mod.lin`, h, 6 * h),
        ...lin(`${b}.${s}_attn.qkv`, h, 3 * h, p.qkv_bias),
        ...qk(`${b}.${s}_attn.norm`),
        ...lin(`${b}.${s}_attn.proj`, h, h),
        ...lin(`${b}.${s}_mlp.0`, h, mlp),
        ...lin(`${b}.${s}_mlp.2`, mlp, h),
      )
  }
  for (let i = 0; i < p.depth_single_blocks; i++) {
    const b = `single_blocks.${i}`
    out.push(
      ...lin(`${b}.linear1`, h, 3 * h + mlp),
      ...lin(`${b}.linear2`, h + mlp, h),
      ...qk(`${b}.norm`),
      ...lin(`${b}.modulation.lin`, h, 3 * h),
    )
  }
  out.push(...lin('final_layer.linear', h, p.out_channels), ...lin('final_layer.adaLN_modulation.1', h, 2 * h))
  return out
}

/**
 * Random weights scaled like a trained model's (≈ 1/√fan_in), norm scales around 1, and
 * modulation weights large enough that shift, scale and gate all move the output visibly.
 */
export function randomFluxCheckpoint(p: FluxTestParams, seed: number): Map<string, SourceTensor> {
  const rand = seededUniform(seed)
  const out = new Map<string, SourceTensor>()
  for (const [name, shape] of fluxTensorShapes(p)) {
    const n = shape.reduce((a, b) => a * b, 1)
    const fanIn = shape[1] ?? shape[0]!
    let data: Float32Array
    if (name.endsWith('.scale')) data = randomArray(rand, n, 0.3, 1)
    else if (name.endsWith('.bias')) data = randomArray(rand, n, 0.2)
    else data = randomArray(rand, n, Math.sqrt(3 / fanIn))
    out.set(name, { dtype: 'F32', shape, data })
  }
  return out
}

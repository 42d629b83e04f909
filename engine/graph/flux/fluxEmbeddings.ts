/**
 * FLUX's two position-like embeddings: the sinusoidal timestep embedding (for timesteps and
 * guidance) and the 3-axis rotary embedding of the token ids. Their frequency tables are
 * constants; they are computed here in float32 step by step, the way PyTorch computes them, so
 * the graph's angles equal BFL's to the last bit (at t·1000 ≈ 1000 one ulp of a frequency already
 * moves the angle by 3e-5).
 */
import { attr, type GraphBuilder } from '../onnxGraph'
import type { RopeConfig } from './fluxConfig'

const f32 = Math.fround

/** `exp(-ln(max_period) · i / half)` for i < half, as torch evaluates it in float32. */
export function timestepFrequencies(dim: number, maxPeriod = 10_000): Float32Array {
  const half = Math.floor(dim / 2)
  const c = f32(-Math.log(maxPeriod))
  const out = new Float32Array(half)
  for (let i = 0; i < half; i++) out[i] = f32(Math.exp(f32(f32(c * i) / half)))
  return out
}

/**
 * `timestep_embedding(t, dim)`: t [B] → [cos(1000·t·f), sin(1000·t·f)] [B, dim], cos first.
 * FLUX's dim is even; an odd one would need BFL's zero column, which no FLUX checkpoint has.
 */
export function timestepEmbedding(g: GraphBuilder, t: string, dim: number, timeFactor = 1000): string {
  if (dim % 2 !== 0) throw new Error(`timestep embedding width ${dim} is odd; FLUX uses an even width`)
  const scaled = g.op('Mul', [t, g.constF32([timeFactor], [])])
  const col = g.op('Unsqueeze', [scaled, g.constI64([1])])
  const freqs = timestepFrequencies(dim)
  const args = g.op('Mul', [col, g.constF32(freqs, [1, freqs.length])])
  return g.op('Concat', [g.op('Cos', [args]), g.op('Sin', [args])], { axis: attr.i(-1) })
}

/**
 * The rotary frequencies of every axis laid out as a block-diagonal [n_axes, D/2] matrix, so
 * one MatMul of the ids [B, L, n_axes] gives every angle pos_a · ω_k (the zeros add exactly).
 * ω_k = 1 / θ^(2k/d_a), in float32 as torch's `rope` computes it.
 */
export function ropeFrequencyMatrix(rope: RopeConfig): Float32Array {
  const half = rope.axesDim.reduce((a, b) => a + b, 0) / 2
  const m = new Float32Array(rope.axesDim.length * half)
  let col = 0
  rope.axesDim.forEach((d, axis) => {
    for (let k = 0; k < d / 2; k++) {
      const scale = f32(f32(2 * k) / d)
      m[axis * half + col + k] = f32(1 / f32(Math.pow(rope.theta, scale)))
    }
    col += d / 2
  })
  return m
}

/** cos and sin of every token's rotation angles, shaped [B, L, 1, D/2, 1] to broadcast over heads. */
export function ropeAngles(g: GraphBuilder, ids: string, rope: RopeConfig): { cos: string; sin: string } {
  const half = rope.axesDim.reduce((a, b) => a + b, 0) / 2
  const angles = g.op('MatMul', [ids, g.constF32(ropeFrequencyMatrix(rope), [rope.axesDim.length, half])])
  const shaped = g.op('Reshape', [angles, g.constI64([0, 0, 1, half, 1])])
  return { cos: g.op('Cos', [shaped]), sin: g.op('Sin', [shaped]) }
}

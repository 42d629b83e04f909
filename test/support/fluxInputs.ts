/**
 * Transformer inputs for conformance cases, in BFL's names and layouts: text ids all zero,
 * target image ids [0, r, c], context image ids [1, r, c] appended after the target's.
 */
import type { TensorData } from '../../engine/sessions'
import type { FluxTestParams } from './fluxCheckpoint'
import { randomArray, seededUniform } from './fluxCheckpoint'

export interface FluxCase {
  readonly name: string
  readonly batch: number
  readonly txtLen: number
  /** Token grid of the target (rows, cols). */
  readonly target: readonly [number, number]
  /** Token grid of the context image, when editing. */
  readonly context?: readonly [number, number]
  readonly timesteps: readonly number[]
  readonly guidance: readonly number[]
}

/** ids [B, rows·cols, 3] with axis 0 = `index`, then row and column. */
export function gridIds(batch: number, rows: number, cols: number, index: number): Float32Array {
  const n = rows * cols
  const a = new Float32Array(batch * n * 3)
  for (let b = 0; b < batch; b++)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) a.set([index, r, c], (b * n + r * cols + c) * 3)
  return a
}

/** Concatenates two [B, n_i, 3] id tensors along the sequence. */
function catSeq(batch: number, a: Float32Array, b: Float32Array): Float32Array {
  const na = a.length / batch
  const nb = b.length / batch
  const out = new Float32Array(a.length + b.length)
  for (let i = 0; i < batch; i++) {
    out.set(a.subarray(i * na, (i + 1) * na), i * (na + nb))
    out.set(b.subarray(i * nb, (i + 1) * nb), i * (na + nb) + na)
  }
  return out
}

export function fluxCaseInputs(p: FluxTestParams, c: FluxCase, seed: number): Record<string, TensorData> {
  const rand = seededUniform(seed)
  const [tr, tc] = c.target
  const nTarget = tr * tc
  const nCtx = c.context ? c.context[0] * c.context[1] : 0
  const n = nTarget + nCtx
  const B = c.batch
  const targetIds = gridIds(B, tr, tc, 0)
  const imgIds = c.context ? catSeq(B, targetIds, gridIds(B, c.context[0], c.context[1], 1)) : targetIds
  const f = (data: Float32Array, dims: number[]): TensorData => ({ dtype: 'float32', data, dims })
  const feeds: Record<string, TensorData> = {
    img: f(randomArray(rand, B * n * p.in_channels, 1.5), [B, n, p.in_channels]),
    img_ids: f(imgIds, [B, n, 3]),
    txt: f(randomArray(rand, B * c.txtLen * p.context_in_dim, 1.5), [B, c.txtLen, p.context_in_dim]),
    txt_ids: f(new Float32Array(B * c.txtLen * 3), [B, c.txtLen, 3]),
    timesteps: f(Float32Array.from(c.timesteps), [B]),
    y: f(randomArray(rand, B * p.vec_in_dim, 1.5), [B, p.vec_in_dim]),
  }
  if (p.guidance_embed) feeds.guidance = f(Float32Array.from(c.guidance), [B])
  return feeds
}

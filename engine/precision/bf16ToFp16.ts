/**
 * bfloat16 → float16, counted. bf16 keeps float32's range with 8 significant bits; fp16 has 11
 * bits but tops out at 65504 and reaches down only to 2^-24. So a conversion can lose values at
 * both ends: those past ±65504 are clamped to ±65504 (not turned into infinities that would poison
 * every sum they enter), those too small for fp16's smallest subnormal become zero. Both are counted,
 * value by value, so the import can say exactly what it did.
 */
import { fromFloat32, toFloat32 } from '../weights/dtypes'

export const FP16_MAX = 65504

export interface Fp16Counts {
  /** Values converted. */
  readonly values: number
  /** Finite values past ±65504, clamped to ±65504. */
  readonly clamped: number
  /** Non-zero values that became (signed) zero. */
  readonly flushed: number
  /** NaN and ±Inf, kept as they were. */
  readonly nonFinite: number
}

export const NO_COUNTS: Fp16Counts = { values: 0, clamped: 0, flushed: 0, nonFinite: 0 }

export const addCounts = (a: Fp16Counts, b: Fp16Counts): Fp16Counts => ({
  values: a.values + b.values,
  clamped: a.clamped + b.clamped,
  flushed: a.flushed + b.flushed,
  nonFinite: a.nonFinite + b.nonFinite,
})

/** Raw little-endian bf16 bytes → raw fp16 bytes, with what was lost. */
export function bf16ToFp16(bytes: Uint8Array): { bytes: Uint8Array; counts: Fp16Counts } {
  if (bytes.byteLength % 2 !== 0) throw new Error('bf16 data must have an even number of bytes')
  return float32ToFp16(toFloat32(bytes, 'BF16'))
}

/**
 * float32 values (a bf16 checkpoint's weights as the reader widens them: exact) → raw fp16 bytes,
 * clamped and flushed the same way and counted. The graph builders use this for 16-bit weights.
 */
export function float32ToFp16(values: Float32Array): { bytes: Uint8Array; counts: Fp16Counts } {
  const v = Float32Array.from(values)
  let clamped = 0
  let nonFinite = 0
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!
    if (!Number.isFinite(x)) nonFinite++
    else if (x > FP16_MAX || x < -FP16_MAX) {
      v[i] = x > 0 ? FP16_MAX : -FP16_MAX
      clamped++
    }
  }
  const out = fromFloat32(v, 'F16')
  const half = new Uint16Array(out.buffer, out.byteOffset, v.length)
  let flushed = 0
  for (let i = 0; i < v.length; i++) if (v[i] !== 0 && Number.isFinite(v[i]!) && (half[i]! & 0x7fff) === 0) flushed++
  return { bytes: out, counts: { values: v.length, clamped, flushed, nonFinite } }
}

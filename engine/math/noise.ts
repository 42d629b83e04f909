/**
 * Seeded Gaussian noise that is the same on every platform.
 *
 * Algorithm (version 1 — changing it changes every seed's image, so bump NOISE_VERSION):
 *  1. Philox2x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11; the
 *     generator of cuRAND, JAX and Random123). Key = low 32 bits of the seed; counter =
 *     (pair index, high 21 bits of the seed). Integer-only arithmetic, so it is bit-exact in any
 *     JavaScript engine; counter-based, so element i does not depend on how many came before.
 *  2. Box–Muller on each output pair (a, b): u1 = (a + 1)/2^32 ∈ (0, 1], u2 = b/2^32,
 *     r = √(−2 ln u1), z0 = r·cos(2π u2), z1 = r·sin(2π u2) → elements 2k and 2k+1.
 *     V8 computes Math.log/cos/sin with its own fdlibm port, not the OS libm, so the float64
 *     results are identical across operating systems; they are then rounded to float32.
 * Values are written in the unpacked latent's CHW order (like torch.randn of (1, C, H, W)),
 * so the same seed gives the same noise whatever the packing.
 */
export const NOISE_VERSION = 1

const M = 0xd256d193
const W = 0x9e3779b9

/** High and low 32 bits of the 64-bit product of two uint32. */
function mulhilo(a: number, b: number): [hi: number, lo: number] {
  const lo = Math.imul(a, b) >>> 0
  const aH = a >>> 16
  const aL = a & 0xffff
  const bH = b >>> 16
  const bL = b & 0xffff
  // Schoolbook 16-bit limbs; every partial product fits a float64 exactly.
  const mid = aH * bL + ((aL * bL) >>> 16) + ((aL * bH) & 0xffff)
  const hi = aH * bH + Math.floor(mid / 0x10000) + ((aL * bH) >>> 16)
  return [hi >>> 0, lo]
}

/** Philox2x32 with 10 rounds: (counter0, counter1, key) → two uint32. */
export function philox2x32(c0: number, c1: number, key: number): [number, number] {
  let x0 = c0 >>> 0
  let x1 = c1 >>> 0
  let k = key >>> 0
  for (let round = 0; round < 10; round++) {
    const [hi, lo] = mulhilo(M, x0)
    x0 = (hi ^ k ^ x1) >>> 0
    x1 = lo
    k = (k + W) >>> 0
  }
  return [x0, x1]
}

/** `count` standard-normal float32 values for `seed` (an integer in [0, 2^53)). */
export function gaussianNoise(seed: number, count: number): Float32Array {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`)
  const key = seed % 0x100000000
  const high = Math.floor(seed / 0x100000000)
  const out = new Float32Array(count)
  const TWO_PI = 2 * Math.PI
  for (let pair = 0; 2 * pair < count; pair++) {
    const [a, b] = philox2x32(pair, high, key)
    const u1 = (a + 1) / 0x100000000
    const u2 = b / 0x100000000
    const r = Math.sqrt(-2 * Math.log(u1))
    out[2 * pair] = r * Math.cos(TWO_PI * u2)
    if (2 * pair + 1 < count) out[2 * pair + 1] = r * Math.sin(TWO_PI * u2)
  }
  return out
}

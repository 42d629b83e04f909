/**
 * Weight-only block quantisation in the layout onnxruntime's `com.microsoft` `MatMulNBits` reads:
 * for each output column n, the K input weights are cut into blocks of `blockSize`; each block
 * keeps a float scale and an unsigned zero point, and every weight becomes
 * q = clamp(round(w / scale) + zp, 0, 2^bits − 1), read back as (q − zp) · scale.
 * Asymmetric (min/max per block), the form onnxruntime's own quantiser writes by default, because
 * a block's range is rarely centred on zero and the zero point costs only one byte per block.
 *
 * Packing (onnxruntime's contrib op spec): B is uint8 [N, kBlocks, blockSize·bits/8]; for 4 bits
 * the first of two weights goes in the low nibble. Zero points are uint8 [N, ⌈kBlocks·bits/8⌉],
 * packed the same way. K is padded to whole blocks with zeros.
 */

export type QuantBits = 4 | 8

export interface BlockQuantised {
  readonly K: number
  readonly N: number
  readonly bits: QuantBits
  readonly blockSize: number
  readonly kBlocks: number
  /** uint8 [N, kBlocks, blockSize·bits/8] */
  readonly b: Uint8Array
  /** float32 [N · kBlocks] */
  readonly scales: Float32Array
  /** uint8 [N · ⌈kBlocks·bits/8⌉] */
  readonly zeroPoints: Uint8Array
}

const isPow2 = (n: number) => n >= 16 && (n & (n - 1)) === 0

/**
 * Quantises a MatMul weight given as [K, N] (row-major, the layout `x · W` uses: K inputs, N
 * outputs), which is how the engine's graphs store nn.Linear weights after transposing them.
 */
export function quantiseBlocks(wKN: Float32Array, K: number, N: number, bits: QuantBits, blockSize: number): BlockQuantised {
  if (wKN.length !== K * N) throw new Error(`quantiseBlocks: ${wKN.length} values for [${K}, ${N}]`)
  if (!isPow2(blockSize)) throw new Error(`quantiseBlocks: block size ${blockSize} is not a power of two ≥ 16`)
  const kBlocks = Math.ceil(K / blockSize)
  const blob = (blockSize * bits) / 8
  const qmax = (1 << bits) - 1
  const zpStride = Math.ceil((kBlocks * bits) / 8)
  const b = new Uint8Array(N * kBlocks * blob)
  const scales = new Float32Array(N * kBlocks)
  const zeroPoints = new Uint8Array(N * zpStride)
  const q = new Uint8Array(blockSize)
  for (let n = 0; n < N; n++) {
    for (let blk = 0; blk < kBlocks; blk++) {
      const k0 = blk * blockSize
      const k1 = Math.min(K, k0 + blockSize)
      // The range always includes 0 so padding (and exact zeros) stay exact.
      let lo = 0
      let hi = 0
      for (let k = k0; k < k1; k++) {
        const v = wKN[k * N + n] as number
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      const scale = hi > lo ? (hi - lo) / qmax : 1
      const zp = Math.min(qmax, Math.max(0, Math.round(-lo / scale)))
      scales[n * kBlocks + blk] = scale
      q.fill(zp)
      for (let k = k0; k < k1; k++) {
        const v = wKN[k * N + n] as number
        q[k - k0] = Math.min(qmax, Math.max(0, Math.round(v / scale) + zp))
      }
      const at = (n * kBlocks + blk) * blob
      if (bits === 8) b.set(q, at)
      else for (let i = 0; i < blob; i++) b[at + i] = ((q[2 * i] as number) & 0xf) | (((q[2 * i + 1] as number) & 0xf) << 4)
      if (bits === 8) zeroPoints[n * zpStride + blk] = zp
      else {
        const zi = n * zpStride + (blk >> 1)
        zeroPoints[zi] = (zeroPoints[zi] as number) | (blk & 1 ? zp << 4 : zp)
      }
    }
  }
  return { K, N, bits, blockSize, kBlocks, b, scales, zeroPoints }
}

/** The float [K, N] matrix the quantised blocks stand for (what onnxruntime computes with). */
export function dequantiseBlocks(qz: BlockQuantised): Float32Array {
  const { K, N, bits, blockSize, kBlocks } = qz
  const blob = (blockSize * bits) / 8
  const zpStride = Math.ceil((kBlocks * bits) / 8)
  const out = new Float32Array(K * N)
  for (let n = 0; n < N; n++)
    for (let blk = 0; blk < kBlocks; blk++) {
      const scale = qz.scales[n * kBlocks + blk] as number
      const zb = qz.zeroPoints[n * zpStride + (bits === 8 ? blk : blk >> 1)] as number
      const zp = bits === 8 ? zb : blk & 1 ? zb >> 4 : zb & 0xf
      const at = (n * kBlocks + blk) * blob
      for (let i = 0; i < blockSize; i++) {
        const k = blk * blockSize + i
        if (k >= K) break
        const byte = qz.b[bits === 8 ? at + i : at + (i >> 1)] as number
        const v = bits === 8 ? byte : i & 1 ? byte >> 4 : byte & 0xf
        out[k * N + n] = (v - zp) * scale
      }
    }
  return out
}

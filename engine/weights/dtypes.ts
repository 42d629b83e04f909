/**
 * safetensors element types and their conversion to/from float32. Pure: bytes in, arrays out.
 * Little-endian throughout (safetensors' byte order). fp8 follows the OCP formats PyTorch calls
 * `float8_e4m3fn` (no infinities, S.1111.111 is NaN, max 448) and `float8_e5m2` (IEEE-like).
 */

export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const

export type Dtype = keyof typeof DTYPE_BYTES
export const FLOAT_DTYPES: readonly Dtype[] = ['F64', 'F32', 'F16', 'BF16', 'F8_E4M3', 'F8_E5M2']

export const isDtype = (s: unknown): s is Dtype => typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s)

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 0x1f) return frac ? NaN : sign * Infinity
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

function e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1
  const exp = (b >> 3) & 0xf
  const frac = b & 0x7
  if (exp === 0xf && frac === 0x7) return NaN
  if (exp === 0) return sign * frac * 2 ** -9
  return sign * (1 + frac / 8) * 2 ** (exp - 7)
}

function e5m2ToFloat(b: number): number {
  // e5m2 is the top byte of an IEEE half.
  return halfToFloat(b << 8)
}

const HALF_TABLE = (() => {
  const t = new Float32Array(65536)
  for (let i = 0; i < 65536; i++) t[i] = halfToFloat(i)
  return t
})()
const E4M3_TABLE = Float32Array.from({ length: 256 }, (_, i) => e4m3ToFloat(i))
const E5M2_TABLE = Float32Array.from({ length: 256 }, (_, i) => e5m2ToFloat(i))

/** Decodes raw little-endian tensor bytes to float32 (integers and booleans convert by value). */
export function toFloat32(bytes: Uint8Array, dtype: Dtype): Float32Array {
  const n = bytes.byteLength / DTYPE_BYTES[dtype]
  if (!Number.isInteger(n)) throw new Error(`A ${dtype} tensor cannot be ${bytes.byteLength} bytes long.`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(n)
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true)
      break
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true)
      break
    case 'BF16':
      for (let i = 0; i < n; i++) {
        u32[0] = view.getUint16(i * 2, true) << 16
        out[i] = f32[0]!
      }
      break
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = HALF_TABLE[view.getUint16(i * 2, true)]!
      break
    case 'F8_E4M3':
      for (let i = 0; i < n; i++) out[i] = E4M3_TABLE[bytes[i]!]!
      break
    case 'F8_E5M2':
      for (let i = 0; i < n; i++) out[i] = E5M2_TABLE[bytes[i]!]!
      break
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true))
      break
    case 'U64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(i * 8, true))
      break
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true)
      break
    case 'U32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(i * 4, true)
      break
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true)
      break
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true)
      break
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i)
      break
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = bytes[i]!
      break
  }
  return out
}

function floatToHalf(x: number): number {
  f32[0] = x
  const bits = u32[0]!
  const sign = (bits >>> 16) & 0x8000
  const exp = (bits >>> 23) & 0xff
  let mant = bits & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  let e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (rem > mid || (rem === mid && half & 1) ? half + 1 : half)
  }
  const half = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  // Round to nearest even; a carry into the exponent is the correct result (up to infinity).
  e = rem > 0x1000 || (rem === 0x1000 && half & 1) ? half + 1 : half
  return sign | e
}

function floatToBf16(x: number): number {
  f32[0] = x
  const bits = u32[0]!
  if ((bits & 0x7f800000) === 0x7f800000 && bits & 0x7fffff) return (bits >>> 16) | 0x40
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16
}

/** Nearest fp8 code by table search (saturating to ±max), for writing test checkpoints. */
function nearestCode(x: number, table: Float32Array): number {
  if (Number.isNaN(x)) return table === E4M3_TABLE ? 0x7f : 0x7e
  let best = 0
  let bestErr = Infinity
  for (let c = 0; c < 256; c++) {
    const v = table[c]!
    if (!Number.isFinite(v)) continue
    const e = Math.abs(v - x)
    // Ties go to the even code (round half to even); ±0 keeps the sign of x.
    if (e < bestErr || (e === bestErr && (best & 1) === 1 && (c & 1) === 0) || (v === 0 && x === 0 && Object.is(v, x))) {
      best = c
      bestErr = e
    }
  }
  return best
}

/** Encodes float32 values as raw little-endian bytes of a floating dtype (round to nearest even). */
export function fromFloat32(values: ArrayLike<number>, dtype: Dtype): Uint8Array {
  const n = values.length
  const out = new Uint8Array(n * DTYPE_BYTES[dtype])
  const view = new DataView(out.buffer)
  for (let i = 0; i < n; i++) {
    const x = values[i]!
    switch (dtype) {
      case 'F32':
        view.setFloat32(i * 4, x, true)
        break
      case 'F64':
        view.setFloat64(i * 8, x, true)
        break
      case 'F16':
        view.setUint16(i * 2, floatToHalf(x), true)
        break
      case 'BF16':
        view.setUint16(i * 2, floatToBf16(x), true)
        break
      case 'F8_E4M3':
        out[i] = nearestCode(x, E4M3_TABLE)
        break
      case 'F8_E5M2':
        out[i] = nearestCode(x, E5M2_TABLE)
        break
      case 'I64':
        view.setBigInt64(i * 8, BigInt(Math.trunc(x)), true)
        break
      case 'I32':
        view.setInt32(i * 4, x, true)
        break
      default:
        throw new Error(`Writing ${dtype} from float values is not supported.`)
    }
  }
  return out
}

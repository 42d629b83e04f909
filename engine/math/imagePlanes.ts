/** Image ↔ [-1, 1] float planes, the autoencoders' pixel convention (u8/127.5 − 1, CHW). */

/** A float image in CHW order with values in [-1, 1]. */
export interface ImagePlanes {
  readonly data: Float32Array
  readonly channels: number
  readonly height: number
  readonly width: number
}

/** Interleaved RGB bytes (HWC) → planes. */
export function rgbToPlanes(rgb: Uint8Array, width: number, height: number): ImagePlanes {
  const plane = width * height
  if (rgb.length !== plane * 3) throw new RangeError(`expected ${plane * 3} RGB bytes, got ${rgb.length}`)
  const data = new Float32Array(plane * 3)
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) data[c * plane + p] = rgb[p * 3 + c]! / 127.5 - 1
  return { data, channels: 3, height, width }
}

/** Planes → interleaved RGB bytes: u8 = round((clamp(x, −1, 1) + 1)·127.5), as the reference does. */
export function planesToRgb(planes: ImagePlanes): Uint8Array {
  const { data, height, width } = planes
  const plane = width * height
  const out = new Uint8Array(plane * 3)
  for (let p = 0; p < plane; p++)
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round((Math.min(1, Math.max(-1, data[c * plane + p]!)) + 1) * 127.5)
  return out
}

/**
 * A cheap preview of a latent: a per-pixel linear map of its channels to RGB (the trick
 * ComfyUI and others use for live previews — one multiply-add per channel instead of a decoder
 * run). The factors come from the manifest, fitted once per autoencoder.
 */
import type { Latent } from './packing'

export interface PreviewFactors {
  /** weights[channel] = [r, g, b] contribution of that latent channel. */
  readonly weights: readonly (readonly number[])[]
  /** RGB offset, in [-1, 1] image units. */
  readonly bias: readonly number[]
}

/** RGB bytes (HWC, 3 per pixel) at the latent's resolution. */
export function latentToRgb(latent: Latent, factors: PreviewFactors): Uint8Array {
  const { data, channels, height, width } = latent
  if (factors.weights.length !== channels)
    throw new RangeError(`preview factors are for ${factors.weights.length} channels, the latent has ${channels}`)
  const plane = height * width
  const out = new Uint8Array(plane * 3)
  for (let p = 0; p < plane; p++)
    for (let k = 0; k < 3; k++) {
      let v = factors.bias[k] ?? 0
      for (let c = 0; c < channels; c++) v += data[c * plane + p]! * factors.weights[c]![k]!
      out[p * 3 + k] = Math.round((Math.min(1, Math.max(-1, v)) + 1) * 127.5)
    }
  return out
}

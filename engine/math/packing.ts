/**
 * 2×2 patch packing of latents into transformer tokens, FLUX layout:
 * `b c (h ph) (w pw) -> b (h w) (c ph pw)` — token = row·(W/2) + col over the patch grid,
 * feature = channel·4 + dy·2 + dx (KONTEXT_PIPELINE.md §4.2). Pure; batch size 1.
 */

/** A latent image in CHW order (no batch dimension). */
export interface Latent {
  readonly data: Float32Array
  readonly channels: number
  readonly height: number
  readonly width: number
}

/** Tokens in row-major order: `count` tokens of `features` values each. */
export interface Tokens {
  readonly data: Float32Array
  readonly count: number
  readonly features: number
}

export function packLatent(latent: Latent, patch = 2): Tokens {
  const { data, channels: c, height: h, width: w } = latent
  if (h % patch !== 0 || w % patch !== 0) throw new RangeError(`latent ${h}×${w} is not a multiple of the patch size ${patch}`)
  const gh = h / patch
  const gw = w / patch
  const features = c * patch * patch
  const out = new Float32Array(gh * gw * features)
  for (let gy = 0; gy < gh; gy++)
    for (let gx = 0; gx < gw; gx++) {
      const token = (gy * gw + gx) * features
      for (let ch = 0; ch < c; ch++)
        for (let dy = 0; dy < patch; dy++)
          for (let dx = 0; dx < patch; dx++) {
            out[token + ch * patch * patch + dy * patch + dx] = data[ch * h * w + (gy * patch + dy) * w + gx * patch + dx]!
          }
    }
  return { data: out, count: gh * gw, features }
}

/** Inverse of `packLatent` for a latent of `height`×`width` (latent pixels). */
export function unpackTokens(tokens: Tokens, channels: number, height: number, width: number, patch = 2): Latent {
  const gh = height / patch
  const gw = width / patch
  if (tokens.count !== gh * gw || tokens.features !== channels * patch * patch) {
    throw new RangeError(`${tokens.count} tokens × ${tokens.features} do not make a ${channels}×${height}×${width} latent`)
  }
  const out = new Float32Array(channels * height * width)
  for (let gy = 0; gy < gh; gy++)
    for (let gx = 0; gx < gw; gx++) {
      const token = (gy * gw + gx) * tokens.features
      for (let ch = 0; ch < channels; ch++)
        for (let dy = 0; dy < patch; dy++)
          for (let dx = 0; dx < patch; dx++) {
            out[ch * height * width + (gy * patch + dy) * width + gx * patch + dx] =
              tokens.data[token + ch * patch * patch + dy * patch + dx]!
          }
    }
  return { data: out, channels, height, width }
}

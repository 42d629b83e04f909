/**
 * When the engine draws a step preview through the model's real decoder, and how large a
 * latent-resolution preview is drawn (the fitted latent→RGB map fills the other steps).
 */

/** Decode a real step preview every this many steps, when the decoder is cheap. */
export const PREVIEW_DECODE_EVERY = 4
/**
 * "Cheap": the model's last full decode cost at most this many denoising steps (kontext-tiny's
 * decoder costs about one and a half). A ratio, so a busy machine does not change the choice; the
 * first decode of a session also loads the decoder, so previews use it from the job after next.
 */
const CHEAP_DECODE_STEPS = 3
export const isCheapDecode = (cost: DecodeCost | null): boolean => cost !== null && cost.decodeMs <= CHEAP_DECODE_STEPS * cost.stepMs
export interface DecodeCost {
  readonly decodeMs: number
  readonly stepMs: number
}
/** Upscale of a latent-resolution preview: to the output's size, at most 512 px a side. */
export const previewScale = (latentWidth: number, downsample: number): number =>
  Math.max(1, Math.floor(Math.min(512, latentWidth * downsample) / Math.max(1, latentWidth)))

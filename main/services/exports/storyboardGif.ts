/** The storyboard as an animated GIF animatic, each frame shown for its duration. */
import { createRequire } from 'node:module'
import type * as Gifenc from 'gifenc'
import type { ImageService } from '../imageWorker'
import type { FrameImage } from './storyboardFrames'

/** Animatics are previews: cap the long side so a 50-frame board stays a few MB. */
const MAX_SIDE = 640
// gifenc's ESM build (picked by bundlers) and its CommonJS build (picked by Node) export
// differently; loading the CommonJS build explicitly gives one shape everywhere.
const { applyPalette, GIFEncoder, quantize } = createRequire(import.meta.url)('gifenc') as typeof Gifenc

/** Frames are decoded and fitted by the image worker; palette and encoding are plain JavaScript here. */
export async function storyboardGif(images: ImageService, frames: readonly FrameImage[]): Promise<Uint8Array> {
  const first = frames[0]
  if (!first) throw new Error('storyboardGif needs at least one frame')
  const scale = Math.min(1, MAX_SIDE / Math.max(first.width, first.height))
  const width = Math.max(1, Math.round(first.width * scale))
  const height = Math.max(1, Math.round(first.height * scale))
  const gif = GIFEncoder()
  for (const frame of frames) {
    const rgba = await images.rgbaFitted(frame.png, width, height, { r: 0, g: 0, b: 0 })
    const palette = quantize(rgba, 256)
    // GIF delays are in hundredths of a second; gifenc takes milliseconds and rounds.
    gif.writeFrame(applyPalette(rgba, palette), width, height, { palette, delay: frame.durationMs, repeat: 0 })
  }
  gif.finish()
  return gif.bytes()
}

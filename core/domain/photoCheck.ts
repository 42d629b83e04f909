/**
 * "Is this context a photo?" for a demonstration model, by two things anyone can measure: the
 * picture is larger than the model's largest resolution, and it has more than PHOTO_MIN_COLOURS
 * colours at 4 bits per channel (a nearest-neighbour sample, so no blending adds colours). The
 * bundled model's own pictures (64×64, a few flat colours plus sampling noise) pass neither test;
 * a camera picture passes both. Pure.
 */
import type { ModelSummary } from './engineTypes'

export const PHOTO_MIN_COLOURS = 64

/** Distinct colours of RGBA pixels at 4 bits per channel (at most 4096). */
export function quantisedColours(rgba: ArrayLike<number>): number {
  const seen = new Set<number>()
  for (let i = 0; i + 3 < rgba.length; i += 4) seen.add(((rgba[i]! >> 4) << 8) | ((rgba[i + 1]! >> 4) << 4) | (rgba[i + 2]! >> 4))
  return seen.size
}

export interface ContextFacts {
  readonly width: number
  readonly height: number
  readonly colours: number
}

/** The warning to show before an edit, or null when the model fits the picture. */
export function demonstrationWarning(
  model: Pick<ModelSummary, 'name' | 'vocabulary' | 'resolutions'> | null,
  image: ContextFacts | null,
): string | null {
  if (!model?.vocabulary || !image) return null
  const maxSide = Math.max(...model.resolutions.flat(), 0)
  const larger = image.width > maxSide || image.height > maxSide
  if (!larger || image.colours <= PHOTO_MIN_COLOURS) return null
  const [w, h] = model.resolutions[0] ?? [maxSide, maxSide]
  return (
    `${model.name} is a small demonstration model: it only knows coloured shapes on plain backgrounds at ${w}×${h} (${model.vocabulary.length} words). ` +
    `This picture looks like a photo (${image.width}×${image.height}, ${image.colours} colours), and the edit will come back as ${w}×${h} shapes. ` +
    'Add FLUX.1 Kontext [dev] (Models, top bar) for photos.'
  )
}

/**
 * The I/O around a region edit (the math is pure, in math/region.ts): read the image and its
 * mask, crop around the mask for the model, and blend the model's output back into the image
 * through the feather. The result has the image's exact size; outside the mask it is the image,
 * byte for byte. The engine service runs the edit of the crop between `prepareRegion` and `blend`.
 */
import type { GenerationMask } from '../core/contract/generationJob'
import { StudioError, studioError } from '../core/result'
import { cropPng, decodeMask, decodeRgba, encodeRgbaPng, resizeRgbToRgba, type RgbaImage } from './image/imageIo'
import { blendRegion, cropAroundRegion, featherWeights, maskBounds, type Rect } from './math/region'

export interface PreparedRegion {
  /** The image's size, which the result keeps. */
  readonly width: number
  readonly height: number
  /** Where the crop lies in the image (the model edits this rectangle). */
  readonly crop: Rect
  /** The crop as a PNG: the first context of the model's job. */
  readonly cropPng: Uint8Array
  /** The feather used, in pixels. */
  readonly feather: number
  /** Pastes the edited crop (RGB at any size; it is scaled to the crop) into the image. */
  blend(rgb: Uint8Array, width: number, height: number, text: Readonly<Record<string, string>>): Promise<Uint8Array>
}

/** Without a feather: a soft seam of about 4% of the crop, so the edit fades into its surroundings. */
export const defaultFeather = (crop: Rect): number => Math.max(2, Math.round(Math.min(crop.width, crop.height) * 0.04))

const unreadable = (what: string) =>
  new StudioError(
    studioError(
      'region.unreadable',
      `The ${what} of the region edit is not an image the engine can read.`,
      'Use a PNG, JPEG or WebP file.',
    ),
  )

async function decode<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read()
  } catch (e) {
    if (e instanceof StudioError) throw e
    throw unreadable(what)
  }
}

/** Reads the image and the mask, and finds the crop; an empty mask is refused with what to do. */
export async function prepareRegion(image: Uint8Array | undefined, mask: GenerationMask): Promise<PreparedRegion> {
  if (!image)
    throw new StudioError(studioError('region.noContext', 'A region edit needs the image to edit.', 'Give the image as the first context.'))
  const parent: RgbaImage = await decode('image', () => decodeRgba(image))
  const painted = await decode('mask', () => decodeMask(mask.png, parent.width, parent.height))
  const bounds = maskBounds(painted, parent.width, parent.height)
  if (!bounds)
    throw new StudioError(
      studioError(
        'region.emptyMask',
        'The painted region is empty.',
        'Paint over the part to change (white on black or on transparent), then generate again.',
      ),
    )
  const crop = cropAroundRegion(bounds, parent.width, parent.height)
  const feather = mask.feather ?? defaultFeather(crop)
  const cropped = await cropPng(image, crop)
  return {
    width: parent.width,
    height: parent.height,
    crop,
    cropPng: cropped,
    feather,
    async blend(rgb, width, height, text) {
      const edit = await resizeRgbToRgba(rgb, width, height, { width: crop.width, height: crop.height })
      const weights = featherWeights(painted, parent.width, parent.height, feather)
      const data = blendRegion(parent.data, parent.width, edit.data, crop, weights)
      return encodeRgbaPng({ data, width: parent.width, height: parent.height }, text)
    },
  }
}

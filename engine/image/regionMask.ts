/**
 * A batch item's region mask, made from its own photo: decoded here (where images are decoded),
 * the geometry in math/regionPresets.ts, and written as an opaque PNG — white = edit, black = keep —
 * which is how the engine reads a painted mask (imageIo.ts decodeMask).
 */
import type { MaskPreset } from '../../core/domain/regionPreset'
import { studioError, type Result, err, ok } from '../../core/result'
import { maskBounds } from '../math/region'
import { presetMask } from '../math/regionPresets'
import { decodeRgba, encodeRgbaPng } from './imageIo'

export interface RegionMaskImage {
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
}

/** The mask PNG for `preset`; a photo without transparency is refused for “background”, by name. */
export async function makeRegionMask(image: Uint8Array, preset: MaskPreset, name = 'The photo'): Promise<Result<RegionMaskImage>> {
  let rgba
  try {
    rgba = await decodeRgba(image)
  } catch {
    return err(studioError('region.unreadable', `${name} is not an image the engine can read.`, 'Use a PNG, JPEG or WebP file.'))
  }
  const { data, width, height } = rgba
  const mask = presetMask(preset, data, width, height)
  if (!maskBounds(mask, width, height))
    return err(
      studioError(
        'region.noTransparency',
        `${name} has no transparent pixels, so “background only” finds no background in it.`,
        'Use product cut-outs (PNG or WebP with a transparent background), or choose another region.',
      ),
    )
  const out = new Uint8Array(width * height * 4)
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i] ? 255 : 0
    out[i * 4] = v
    out[i * 4 + 1] = v
    out[i * 4 + 2] = v
    out[i * 4 + 3] = 255
  }
  return ok({ png: await encodeRgbaPng({ data: out, width, height }), width, height })
}

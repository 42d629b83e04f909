/**
 * Runs a region edit: crop around the mask, let the engine edit the crop (at the model's preferred
 * resolution for the crop's shape), scale it back, and blend it into the parent inside the mask
 * only. The result has the parent's exact size; outside the mask it is the parent, byte for byte.
 */
import { blendRegion, cropAroundRegion, featherWeights, maskBounds } from '../../core/regionEdit'
import { StudioError, studioError } from '../../core/result'
import { cropPng, decodeMask, decodeRgba, encodeRgbaPng } from '../../engine/image/imageIo'
import type { EngineJobRequest, EngineJobResult, EngineProgress } from './engineLike'

export interface RegionJobInput {
  readonly request: EngineJobRequest
  readonly mask: Uint8Array
  readonly run: (req: EngineJobRequest, onProgress: (p: EngineProgress) => void) => Promise<EngineJobResult>
  readonly onProgress: (p: EngineProgress) => void
}

export async function runRegionEdit(input: RegionJobInput): Promise<EngineJobResult> {
  const [context, ...references] = input.request.contexts
  if (!context) throw new StudioError(studioError('region.noContext', 'A region edit needs the image to edit.'))
  const parent = await decodeRgba(context)
  const mask = await decodeMask(input.mask, parent.width, parent.height)
  const bounds = maskBounds(mask, parent.width, parent.height)
  if (!bounds)
    throw new StudioError(
      studioError('region.emptyMask', 'The painted region is empty.', 'Paint over the part to change, then generate again.'),
    )
  const crop = cropAroundRegion(bounds, parent.width, parent.height)
  const cropped = await cropPng(context, crop)
  const { width: _w, height: _h, ...rest } = input.request
  const edited = await input.run({ ...rest, contexts: [cropped, ...references] }, input.onProgress)
  const editPixels = await decodeRgba(edited.png, { width: crop.width, height: crop.height })
  // A soft seam of about 4% of the crop, so the edit fades into its surroundings.
  const radius = Math.max(2, Math.round(Math.min(crop.width, crop.height) * 0.04))
  const blended = blendRegion(parent.data, parent.width, editPixels.data, crop, featherWeights(mask, parent.width, parent.height, radius))
  const png = await encodeRgbaPng({ data: blended, width: parent.width, height: parent.height })
  return { png, width: parent.width, height: parent.height, timingsMs: edited.timingsMs }
}

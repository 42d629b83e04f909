/**
 * The sentences an image is refused with — one for each reason, each naming the file (its base
 * name, escaped: a name is text from outside). Pure, so the CLI, the import and the engine say
 * the same thing.
 */
import { displayFileName } from '../../core/domain/displayText'
import { EXPORT_CAPS, maxExportScale, type ExportImageFormat } from '../../core/limits'
import { studioError, type StudioErrorData } from '../../core/result'

export const SUPPORTED_FORMATS = 'PNG, JPEG, WebP, AVIF, TIFF or GIF'

const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MB`

export const refuse = {
  empty: (name: string): StudioErrorData =>
    studioError('image.empty', `“${displayFileName(name)}” is empty (0 bytes).`, 'Choose the file again; it may not have finished saving.'),
  tooManyBytes: (name: string, bytes: number, maxBytes: number, maxSide: number): StudioErrorData =>
    studioError(
      'image.tooLarge',
      `“${displayFileName(name)}” is ${mb(bytes)}; the limit is ${mb(maxBytes)} a file.`,
      `Export a smaller version (at most ${mb(maxBytes)} and ${maxSide} px a side).`,
    ),
  tooManyPixels: (name: string, width: number, height: number, maxSide: number): StudioErrorData =>
    studioError(
      'image.tooManyPixels',
      `“${displayFileName(name)}” is ${width}×${height} px; the limit is ${maxSide} px a side.`,
      'Downscale it in an image editor and use it again.',
    ),
  notAnImage: (name: string): StudioErrorData =>
    studioError('image.notAnImage', `“${displayFileName(name)}” is not an image the studio can open.`, `Use a ${SUPPORTED_FORMATS} file.`),
  unsupportedFormat: (name: string, format: string): StudioErrorData =>
    studioError(
      'image.unsupportedFormat',
      `“${displayFileName(name)}” is in ${format.toUpperCase()} format, which the studio does not open.`,
      `Convert it to ${SUPPORTED_FORMATS} first.`,
    ),
  corrupt: (name: string, format: string): StudioErrorData =>
    studioError(
      'image.corrupt',
      `“${displayFileName(name)}” is damaged or incomplete (${format.toUpperCase()} data ends early or is invalid).`,
      'Open it in another program to check it, or export it again.',
    ),
  /** The image worker died (a decoder crash, or killed) while it worked on `what`. */
  workerCrashed: (what: string): StudioErrorData =>
    studioError(
      'image.workerCrashed',
      `The image decoder stopped while reading ${what}.`,
      'It has been restarted; try again. If it keeps happening with this file, convert it (for example to PNG) in another program.',
    ),
}

/** An export whose output would not fit the cap, with the largest scale that does. */
export function exportTooLarge(width: number, height: number, scale: number, format: ExportImageFormat): StudioErrorData {
  const out = `${Math.round(width * scale)}×${Math.round(height * scale)} px`
  const best = maxExportScale(width, height, format)
  const cap = EXPORT_CAPS[format]
  const name = format.toUpperCase()
  return studioError(
    'export.tooLarge',
    `This ${width}×${height} image at ${scale}× would be ${out}; ${name} exports are limited to ${cap.side} px a side and ${Math.round(cap.pixels / 1e6)} megapixels.`,
    best >= 0.05
      ? `The largest scale that can be exported as ${name} is ${best}× (${Math.round(width * best)}×${Math.round(height * best)} px).`
      : 'Export it at a smaller scale.',
  )
}

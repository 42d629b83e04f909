/**
 * The studio's limits in one place: the API schema (core/api.ts), the engine protocol
 * (engine/protocol.ts), the CLI and the image code all read them here, so a value the studio
 * refuses is refused everywhere with the same range. Pure data and arithmetic, no I/O.
 */

/** An inclusive range of allowed numbers; `integer` ranges refuse fractions. */
export interface NumberRange {
  readonly min: number
  readonly max: number
  readonly integer: boolean
}

/** Sampling settings of one generation. */
export const SAMPLING_LIMITS = {
  seed: { min: 0, max: 2 ** 32 - 1, integer: true },
  steps: { min: 1, max: 200, integer: true },
  guidance: { min: 0, max: 30, integer: false },
  /** Output width or height asked of the model (it snaps to one of its resolutions). */
  side: { min: 16, max: 4096, integer: true },
} as const satisfies Record<string, NumberRange>

/** Characters of one prompt. */
export const MAX_PROMPT_CHARS = 2000

/** The upper bound of one imported file: bigger files are refused with a message. */
export const MAX_IMPORT_BYTES = 256 * 1024 * 1024
/** Longest side of an image the studio accepts (import, model input, canvas document). */
export const MAX_IMAGE_SIDE = 16384
/**
 * Most pixels of an image the studio decodes: a full 16384² square. Every decoder is told this
 * number (sharp's own default is one row and column short of it, which refused 16384² images).
 */
export const MAX_IMAGE_PIXELS = MAX_IMAGE_SIDE * MAX_IMAGE_SIDE

/**
 * The size the host asks of the engine: an edit asks for its first context's size (any accepted
 * image, 1–16384 px) and the engine snaps it to one of the model's resolutions.
 */
export const ENGINE_SIDE_LIMITS: NumberRange = { min: 1, max: MAX_IMAGE_SIDE, integer: true }

export type ExportImageFormat = 'png' | 'jpeg' | 'webp'

/**
 * Export output cap: the same square as the import limit (268 Mpx), so an export never needs
 * more memory than the largest image the studio already holds. WebP cannot store more than
 * 16383 px a side (a limit of the format itself).
 */
export const MAX_EXPORT_SIDE: Readonly<Record<ExportImageFormat, number>> = { png: MAX_IMAGE_SIDE, jpeg: MAX_IMAGE_SIDE, webp: 16383 }
export const MAX_EXPORT_PIXELS = MAX_IMAGE_PIXELS

/** Output size of an export at `scale` (what sharp will be asked to produce). */
export function exportSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** The largest scale (two decimals, rounded down) at which an image fits the export cap of `format`. */
export function maxExportScale(width: number, height: number, format: ExportImageFormat): number {
  const bySide = MAX_EXPORT_SIDE[format] / Math.max(width, height)
  const byPixels = Math.sqrt(MAX_EXPORT_PIXELS / (width * height))
  let scale = Math.floor(Math.min(bySide, byPixels) * 100) / 100
  // Rounding of the output size may still push one side over by a pixel: step down until it fits.
  while (scale > 0.01 && !fitsExport(width, height, scale, format)) scale = Math.round((scale - 0.01) * 100) / 100
  return scale
}

export function fitsExport(width: number, height: number, scale: number, format: ExportImageFormat): boolean {
  const out = exportSize(width, height, scale)
  const side = MAX_EXPORT_SIDE[format]
  return out.width <= side && out.height <= side && out.width * out.height <= MAX_EXPORT_PIXELS
}

/** A range as people read it in a message: “1–200”, “0–30”. */
export const describeRange = (r: NumberRange): string => `${r.min}–${r.max}`

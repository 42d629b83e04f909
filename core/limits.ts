/**
 * The studio's limits in one place: the API schema (core/contract/api.ts), the engine protocol
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

/**
 * Feather of a region edit in pixels: how far inside the mask's edge the edit reaches full
 * strength (0 = a hard edge). Without one the engine uses about 4% of the crop's shorter side.
 */
export const FEATHER_LIMITS: NumberRange = { min: 0, max: 256, integer: true }

/** Reference images the Fit section's memory plan may be asked for (the engine protocol and the API refuse more). */
export const FIT_MAX_REFS = 8

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

/** The largest output of one export, per format. */
export interface ExportCap {
  readonly side: number
  readonly pixels: number
}

/**
 * Export output caps. PNG and JPEG stream through libvips in strips, so they get the import
 * square (268 Mpx): an export never needs more than the largest image the studio holds. libwebp
 * keeps the whole picture and its analysis in memory (about 33 bytes a pixel: an 8192² WebP
 * peaked at 2.3 GB) and stores at most 16383 px a side, so WebP is capped at 16.7 Mpx (4096²).
 */
export const EXPORT_CAPS: Readonly<Record<ExportImageFormat, ExportCap>> = {
  png: { side: MAX_IMAGE_SIDE, pixels: MAX_IMAGE_PIXELS },
  jpeg: { side: MAX_IMAGE_SIDE, pixels: MAX_IMAGE_PIXELS },
  webp: { side: 16383, pixels: 4096 * 4096 },
}

/** Output size of an export at `scale` (what sharp will be asked to produce). */
export function exportSize(width: number, height: number, scale: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

export function fitsExport(width: number, height: number, scale: number, format: ExportImageFormat): boolean {
  const out = exportSize(width, height, scale)
  const cap = EXPORT_CAPS[format]
  return out.width <= cap.side && out.height <= cap.side && out.width * out.height <= cap.pixels
}

/** Export scales the API takes (the menu offers 0.5×, 1× and 2×). */
export const EXPORT_SCALE_LIMITS: NumberRange = { min: 0.05, max: 4, integer: false }

/** The largest scale in hundredths (at most the API's 4×) at which an image fits the export cap of `format`. */
export function maxExportScale(width: number, height: number, format: ExportImageFormat): number {
  const cap = EXPORT_CAPS[format]
  const hundredths = (n: number) => Math.round(n * 100) / 100
  const bound = Math.min(cap.side / Math.max(width, height), Math.sqrt(cap.pixels / (width * height)), EXPORT_SCALE_LIMITS.max)
  let scale = Math.floor(bound * 100) / 100
  // Output sizes are rounded, so the bound is off by a pixel either way: settle on the exact answer.
  while (scale < EXPORT_SCALE_LIMITS.max && fitsExport(width, height, hundredths(scale + 0.01), format)) scale = hundredths(scale + 0.01)
  while (scale > 0.01 && !fitsExport(width, height, scale, format)) scale = hundredths(scale - 0.01)
  return scale
}

/** A range as people read it in a message: “1–200”, “0–30”. */
export const describeRange = (r: NumberRange): string => `${r.min}–${r.max}`

/**
 * Image I/O through sharp — the only module that imports it, so codecs, limits and colour
 * handling live in one place. Every decoder is opened through `open`, which tells libvips the
 * studio's pixel limit (core/limits.ts); headers are read before anything is decoded.
 */
import sharp, { type Metadata, type SharpOptions } from 'sharp'
import { fitsExport, exportSize, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_IMPORT_BYTES, type ExportImageFormat } from '../../core/limits'
import type { ImageFormat } from '../../core/domain/model'
import { err, ok, type Result } from '../../core/result'
import { exportTooLarge, refuse } from './imageRefusals'
import { addPngText } from './pngText'

export interface ImportLimits {
  readonly maxBytes: number
  readonly maxSide: number
}

/** The studio's import limits: what the import, the engine and the CLI accept. */
export const STUDIO_IMAGE_LIMITS: ImportLimits = { maxBytes: MAX_IMPORT_BYTES, maxSide: MAX_IMAGE_SIDE }

/** sharp with the studio's pixel limit, so a 16384² image decodes and a bigger one never does. */
const open = (input: Uint8Array, options: SharpOptions = {}) => sharp(input, { limitInputPixels: MAX_IMAGE_PIXELS, ...options })

/** An imported image, normalised for storage: orientation applied, first frame, alpha kept, PNG. */
export interface ImportedImage {
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
  /** The format of the file the user gave us. */
  readonly sourceFormat: ImageFormat
  readonly hasAlpha: boolean
}

const FORMAT_BY_SHARP: Readonly<Record<string, ImageFormat>> = {
  png: 'png',
  jpeg: 'jpeg',
  webp: 'webp',
  heif: 'avif',
  avif: 'avif',
  tiff: 'tiff',
  gif: 'gif',
}

/** What the header says, once it passed the limits. */
export interface ImageHeader {
  readonly format: ImageFormat
  /** Stored size (before EXIF orientation). */
  readonly width: number
  readonly height: number
  readonly orientation: number
}

/**
 * Checks a file against the limits from its header alone (bytes, format, pixel size): nothing is
 * decoded, so a 30000² PNG is refused in milliseconds. Each reason has its own sentence.
 */
export async function inspectImage(bytes: Uint8Array, fileName: string, limits: ImportLimits): Promise<Result<ImageHeader>> {
  if (bytes.byteLength === 0) return err(refuse.empty(fileName))
  if (bytes.byteLength > limits.maxBytes) return err(refuse.tooManyBytes(fileName, bytes.byteLength, limits.maxBytes, limits.maxSide))
  let meta: Metadata
  try {
    // Header only: the pixel limit is checked below, by side, with a sentence of our own.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch {
    return err(refuse.notAnImage(fileName))
  }
  const format = meta.format ? FORMAT_BY_SHARP[meta.format] : undefined
  if (!format) return err(meta.format ? refuse.unsupportedFormat(fileName, meta.format) : refuse.notAnImage(fileName))
  if (meta.width === undefined || meta.height === undefined) return err(refuse.notAnImage(fileName))
  if (meta.width > limits.maxSide || meta.height > limits.maxSide)
    return err(refuse.tooManyPixels(fileName, meta.width, meta.height, limits.maxSide))
  return ok({ format, width: meta.width, height: meta.height, orientation: meta.orientation ?? 1 })
}

/** True when a PNG has an animation control chunk before its image data (APNG): browsers would play it. */
export function isAnimatedPng(png: Uint8Array): boolean {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  for (let at = 8; at + 8 <= png.byteLength;) {
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!)
    if (type === 'acTL') return true
    if (type === 'IDAT' || type === 'IEND') return false
    at += 12 + view.getUint32(at)
  }
  return false
}

/**
 * Decodes a user's file and re-encodes it losslessly as PNG (an upright still PNG is kept as it is). Nothing is written anywhere: the
 * caller stores the result only when this succeeds, so a bad file leaves no trace.
 */
export async function decodeImport(bytes: Uint8Array, fileName: string, limits: ImportLimits): Promise<Result<ImportedImage>> {
  const header = await inspectImage(bytes, fileName, limits)
  if (!header.ok) return header
  const sourceFormat = header.value.format
  try {
    if (sourceFormat === 'png' && header.value.orientation === 1 && !isAnimatedPng(bytes)) {
      // An upright still PNG is kept as the user's bytes: re-encoding a photo without row filters
      // made a 34 MB file a 261 MB blob. It is still decoded in full (streamed, nothing kept), so
      // a truncated or corrupt file is refused exactly as before.
      const { channels } = await open(bytes, { failOn: 'truncated' }).stats()
      const hasAlpha = channels.length === 4 || channels.length === 2
      return ok({ png: bytes, width: header.value.width, height: header.value.height, sourceFormat, hasAlpha })
    }
    // failOn 'truncated' refuses a file cut short instead of importing a half-grey picture.
    // rotate() with no angle applies the EXIF orientation, so the stored pixels are upright.
    const { data, info } = await open(bytes, { failOn: 'truncated', pages: 1 }).rotate().png().toBuffer({ resolveWithObject: true })
    return ok({
      png: new Uint8Array(data),
      width: info.width,
      height: info.height,
      sourceFormat,
      hasAlpha: info.channels === 4 || info.channels === 2,
    })
  } catch {
    return err(refuse.corrupt(fileName, sourceFormat))
  }
}

/**
 * Checks a file the way the engine will read it — header limits first, then one streamed
 * decode to a few pixels, so a truncated file is refused by name before any model work.
 */
export async function checkImageFile(bytes: Uint8Array, fileName: string, limits: ImportLimits): Promise<Result<ImageHeader>> {
  const header = await inspectImage(bytes, fileName, limits)
  if (!header.ok) return header
  try {
    await open(bytes, { failOn: 'truncated', pages: 1 }).resize(8, 8, { fit: 'fill' }).raw().toBuffer()
    return header
  } catch {
    return err(refuse.corrupt(fileName, header.value.format))
  }
}

/** A small PNG preview that fits in `size`×`size`, for history thumbnails. */
export async function makeThumbnail(png: Uint8Array, size: number): Promise<Uint8Array> {
  const out = await open(png).resize(size, size, { fit: 'inside', withoutEnlargement: true }).png().toBuffer()
  return new Uint8Array(out)
}

/** RGBA pixels of an image fitted inside `maxWidth`×`maxHeight` (letterboxed on `background`). */
export async function toRgbaFitted(
  image: Uint8Array,
  width: number,
  height: number,
  background: { r: number; g: number; b: number },
): Promise<Uint8Array> {
  const { data } = await open(image)
    .resize(width, height, { fit: 'contain', background: { ...background, alpha: 1 }, kernel: 'lanczos3' })
    .flatten({ background })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return new Uint8Array(data)
}

export type ExportFormat = ExportImageFormat

/**
 * Optimised Huffman tables need a second pass over a buffer of every DCT coefficient (a 16384²
 * JPEG took 3.2 GB and 28 s with them, 127 MB and 6 s without): only small exports get them.
 */
const optimiseJpeg = (size: { width: number; height: number }): boolean => size.width * size.height <= 16 * 2 ** 20

/**
 * Re-encodes a stored image for export, optionally scaled (Lanczos). The output size is checked
 * against the export cap from the header before anything is decoded; within it, libvips streams
 * the image through in strips (no full raw copy), so memory stays near the encoded sizes.
 */
export async function encodeForExport(
  image: Uint8Array,
  format: ExportFormat,
  scale = 1,
): Promise<Result<{ bytes: Uint8Array; width: number; height: number }>> {
  const meta = await sharp(image, { limitInputPixels: false }).metadata()
  const width = meta.width ?? 1
  const height = meta.height ?? 1
  if (!fitsExport(width, height, scale, format)) return err(exportTooLarge(width, height, scale, format))
  const out = exportSize(width, height, scale)
  let pipeline = open(image)
  if (scale !== 1) pipeline = pipeline.resize(out.width, out.height, { kernel: 'lanczos3' })
  // JPEG has no alpha: flatten on white, as a print shop would expect.
  const encoded =
    format === 'png'
      ? pipeline.png()
      : format === 'jpeg'
        ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 92, chromaSubsampling: '4:4:4', optimiseCoding: optimiseJpeg(out) })
        : pipeline.webp({ quality: 92 })
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
  return ok({ bytes: new Uint8Array(data), width: info.width, height: info.height })
}

/** The PNG as it is when its long side is within `maxSide`, else downscaled to fit (Lanczos). */
export async function fitPng(png: Uint8Array, maxSide: number): Promise<Uint8Array> {
  const meta = await sharp(png, { limitInputPixels: false }).metadata()
  if ((meta.width ?? 0) <= maxSide && (meta.height ?? 0) <= maxSide) return png
  return new Uint8Array(await open(png).resize(maxSide, maxSide, { fit: 'inside', kernel: 'lanczos3' }).png().toBuffer())
}

// ── Model input and output (the engine) ─────────────────────────────────────────────────────────

/** Size of an image as the model will see it: after EXIF orientation (5–8 swap the sides). */
export async function probeImage(bytes: Uint8Array, fileName: string): Promise<Result<{ width: number; height: number }>> {
  const header = await inspectImage(bytes, fileName, STUDIO_IMAGE_LIMITS)
  if (!header.ok) return header
  const { width, height, orientation } = header.value
  return ok(orientation >= 5 ? { width: height, height: width } : { width, height })
}

/**
 * Decodes an image for a model: EXIF orientation applied, first frame, alpha flattened on white,
 * Lanczos resize to exactly `width`×`height` (no crop, no letterbox — BFL `prepare_kontext`),
 * returned as interleaved RGB bytes. `rgbToPlanes` (engine/math/imagePlanes) makes [-1,1] planes.
 */
export async function decodeRgbForModel(bytes: Uint8Array, width: number, height: number, fileName: string): Promise<Result<Uint8Array>> {
  try {
    const { data, info } = await open(bytes, { failOn: 'truncated', pages: 1 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) return err(refuse.notAnImage(fileName))
    return ok(new Uint8Array(data))
  } catch {
    return err(refuse.notAnImage(fileName))
  }
}

/** Encodes RGB bytes (HWC) as PNG with `text` in iTXt chunks (prompt, seed, model …). */
export async function encodeRgbPng(
  rgb: Uint8Array,
  width: number,
  height: number,
  text: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  const png = await open(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
  return addPngText(new Uint8Array(png), text)
}

/** Upscales a small RGB preview (nearest, so latent pixels stay crisp) and encodes it as PNG. */
export async function encodePreviewPng(rgb: Uint8Array, width: number, height: number, scale: number): Promise<Uint8Array> {
  const png = await open(rgb, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .png({ compressionLevel: 1 })
    .toBuffer()
  return new Uint8Array(png)
}

/** Raw RGB pixels of an image at its own size (tests and conformance compare pixels, not bytes). */
export async function decodeRgb(bytes: Uint8Array): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { data, info } = await open(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { rgb: new Uint8Array(data), width: info.width, height: info.height }
}

export interface RgbaImage {
  readonly data: Uint8Array
  readonly width: number
  readonly height: number
}

/** RGBA pixels, optionally resized (Lanczos, no aspect kept) to `size`. */
export async function decodeRgba(image: Uint8Array, size?: { width: number; height: number }): Promise<RgbaImage> {
  let pipeline = open(image)
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data), width: info.width, height: info.height }
}

/** Encodes RGBA pixels as PNG, with `text` in iTXt chunks when given. */
export async function encodeRgbaPng(image: RgbaImage, text: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  const png = await open(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
    .png()
    .toBuffer()
  return addPngText(new Uint8Array(png), text)
}

/** RGB pixels (HWC) as opaque RGBA resized (Lanczos, no aspect kept) to `size`: a model's output back at a crop's size. */
export async function resizeRgbToRgba(
  rgb: Uint8Array,
  width: number,
  height: number,
  size: { width: number; height: number },
): Promise<RgbaImage> {
  const { data, info } = await open(rgb, { raw: { width, height, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data), width: info.width, height: info.height }
}

/** A crop of an image as PNG. */
export async function cropPng(image: Uint8Array, rect: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  return new Uint8Array(await open(image).extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height }).png().toBuffer())
}

/**
 * A painted mask as one byte per pixel (255 = edit) at the given size. Painted pixels are those
 * that are opaque and light: white strokes on transparent or on black both work.
 */
export async function decodeMask(image: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { data } = await open(image)
    .resize(width, height, { fit: 'fill', kernel: 'nearest' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const mask = new Uint8Array(width * height)
  for (let i = 0; i < mask.length; i++) {
    const luma = ((data[i * 4] as number) + (data[i * 4 + 1] as number) + (data[i * 4 + 2] as number)) / 3
    mask[i] = (data[i * 4 + 3] as number) > 127 && luma > 127 ? 255 : 0
  }
  return mask
}

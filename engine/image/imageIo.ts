/**
 * Image I/O through sharp — the only module that imports it, so codecs, limits and colour
 * handling live in one place.
 */
import sharp, { type Metadata } from 'sharp'
import type { ImageFormat } from '../../core/model'
import { err, ok, studioError, type Result } from '../../core/result'
import { addPngText } from './pngText'

export interface ImportLimits {
  readonly maxBytes: number
  readonly maxSide: number
}

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

const SUPPORTED = 'PNG, JPEG, WebP, AVIF, TIFF or GIF'

const notAnImage = (name: string) =>
  studioError('image.notAnImage', `“${name}” is not an image the studio can open.`, `Use a ${SUPPORTED} file.`)

/**
 * Decodes a user's file and re-encodes it losslessly as PNG. Nothing is written anywhere: the
 * caller stores the result only when this succeeds, so a bad file leaves no trace.
 */
export async function decodeImport(bytes: Uint8Array, fileName: string, limits: ImportLimits): Promise<Result<ImportedImage>> {
  if (bytes.byteLength === 0)
    return err(studioError('image.empty', `“${fileName}” is empty (0 bytes).`, 'Choose the file again; it may not have finished saving.'))
  if (bytes.byteLength > limits.maxBytes) {
    const mb = Math.round(limits.maxBytes / 2 ** 20)
    return err(
      studioError(
        'image.tooLarge',
        `“${fileName}” is larger than ${mb} MB.`,
        `Export a smaller version (at most ${mb} MB and ${limits.maxSide} px a side).`,
      ),
    )
  }
  let meta: Metadata
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata()
  } catch {
    return err(notAnImage(fileName))
  }
  const sourceFormat = meta.format ? FORMAT_BY_SHARP[meta.format] : undefined
  if (!sourceFormat || meta.width === undefined || meta.height === undefined) return err(notAnImage(fileName))
  if (meta.width > limits.maxSide || meta.height > limits.maxSide) {
    return err(
      studioError(
        'image.tooLarge',
        `“${fileName}” is ${meta.width}×${meta.height} px; the limit is ${limits.maxSide} px a side.`,
        'Downscale it in an image editor and import it again.',
      ),
    )
  }
  try {
    // failOn 'truncated' refuses a file cut short instead of importing a half-grey picture.
    // rotate() with no angle applies the EXIF orientation, so the stored pixels are upright.
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: limits.maxSide * limits.maxSide, pages: 1 })
      .rotate()
      .png()
      .toBuffer({ resolveWithObject: true })
    return ok({
      png: new Uint8Array(data),
      width: info.width,
      height: info.height,
      sourceFormat,
      hasAlpha: info.channels === 4 || info.channels === 2,
    })
  } catch {
    return err(
      studioError(
        'image.corrupt',
        `“${fileName}” is damaged or incomplete (${sourceFormat.toUpperCase()} data ends early or is invalid).`,
        'Open it in another program to check it, or export it again.',
      ),
    )
  }
}

/** A small PNG preview that fits in `size`×`size`, for history thumbnails. */
export async function makeThumbnail(png: Uint8Array, size: number): Promise<Uint8Array> {
  const out = await sharp(png).resize(size, size, { fit: 'inside', withoutEnlargement: true }).png().toBuffer()
  return new Uint8Array(out)
}

/** RGBA pixels of an image fitted inside `maxWidth`×`maxHeight` (letterboxed on `background`). */
export async function toRgbaFitted(
  image: Uint8Array,
  width: number,
  height: number,
  background: { r: number; g: number; b: number },
): Promise<Uint8Array> {
  const { data } = await sharp(image)
    .resize(width, height, { fit: 'contain', background: { ...background, alpha: 1 }, kernel: 'lanczos3' })
    .flatten({ background })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return new Uint8Array(data)
}

export type ExportFormat = 'png' | 'jpeg' | 'webp'

/** Re-encodes a stored image for export, optionally scaled (Lanczos). */
export async function encodeForExport(
  image: Uint8Array,
  format: ExportFormat,
  scale = 1,
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  let pipeline = sharp(image)
  if (scale !== 1) {
    const meta = await sharp(image).metadata()
    pipeline = pipeline.resize(Math.max(1, Math.round((meta.width ?? 1) * scale)), Math.max(1, Math.round((meta.height ?? 1) * scale)), {
      kernel: 'lanczos3',
    })
  }
  // JPEG has no alpha: flatten on white, as a print shop would expect.
  const encoded =
    format === 'png'
      ? pipeline.png()
      : format === 'jpeg'
        ? pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 92, chromaSubsampling: '4:4:4' })
        : pipeline.webp({ quality: 92 })
  const { data, info } = await encoded.toBuffer({ resolveWithObject: true })
  return { bytes: new Uint8Array(data), width: info.width, height: info.height }
}

// ── Model input and output (the engine) ─────────────────────────────────────────────────────────

/** Size of an image as the model will see it: after EXIF orientation (5–8 swap the sides). */
export async function probeImage(bytes: Uint8Array, fileName: string): Promise<Result<{ width: number; height: number }>> {
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata()
    if (meta.width === undefined || meta.height === undefined) return err(notAnImage(fileName))
    const swap = (meta.orientation ?? 1) >= 5
    return ok(swap ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height })
  } catch {
    return err(notAnImage(fileName))
  }
}

/**
 * Decodes an image for a model: EXIF orientation applied, first frame, alpha flattened on white,
 * Lanczos resize to exactly `width`×`height` (no crop, no letterbox — BFL `prepare_kontext`),
 * returned as interleaved RGB bytes. `rgbToPlanes` (engine/math/imagePlanes) makes [-1,1] planes.
 */
export async function decodeRgbForModel(bytes: Uint8Array, width: number, height: number, fileName: string): Promise<Result<Uint8Array>> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'truncated', limitInputPixels: false, pages: 1 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .removeAlpha()
      .toColourspace('srgb')
      .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
      .raw()
      .toBuffer({ resolveWithObject: true })
    if (info.channels !== 3) return err(notAnImage(fileName))
    return ok(new Uint8Array(data))
  } catch {
    return err(notAnImage(fileName))
  }
}

/** Encodes RGB bytes (HWC) as PNG with `text` in iTXt chunks (prompt, seed, model …). */
export async function encodeRgbPng(
  rgb: Uint8Array,
  width: number,
  height: number,
  text: Readonly<Record<string, string>> = {},
): Promise<Uint8Array> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
  return addPngText(new Uint8Array(png), text)
}

/** Upscales a small RGB preview (nearest, so latent pixels stay crisp) and encodes it as PNG. */
export async function encodePreviewPng(rgb: Uint8Array, width: number, height: number, scale: number): Promise<Uint8Array> {
  const png = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(width * scale, height * scale, { kernel: 'nearest' })
    .png({ compressionLevel: 1 })
    .toBuffer()
  return new Uint8Array(png)
}

/** Raw RGB pixels of an image at its own size (tests and conformance compare pixels, not bytes). */
export async function decodeRgb(bytes: Uint8Array): Promise<{ rgb: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { rgb: new Uint8Array(data), width: info.width, height: info.height }
}

export interface RgbaImage {
  readonly data: Uint8Array
  readonly width: number
  readonly height: number
}

/** RGBA pixels, optionally resized (Lanczos, no aspect kept) to `size`. */
export async function decodeRgba(image: Uint8Array, size?: { width: number; height: number }): Promise<RgbaImage> {
  let pipeline = sharp(image)
  if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill', kernel: 'lanczos3' })
  const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data: new Uint8Array(data), width: info.width, height: info.height }
}

export async function encodeRgbaPng(image: RgbaImage): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } })
      .png()
      .toBuffer(),
  )
}

/** A crop of an image as PNG. */
export async function cropPng(image: Uint8Array, rect: { x: number; y: number; width: number; height: number }): Promise<Uint8Array> {
  return new Uint8Array(await sharp(image).extract({ left: rect.x, top: rect.y, width: rect.width, height: rect.height }).png().toBuffer())
}

/**
 * A painted mask as one byte per pixel (255 = edit) at the given size. Painted pixels are those
 * that are opaque and light: white strokes on transparent or on black both work.
 */
export async function decodeMask(image: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const { data } = await sharp(image)
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

/**
 * The one ingest: a user's file → decoded and normalised PNG → hash → BlobMeta. Import, canvas
 * layers, context uploads and masks all come through here (in the image worker, never the host),
 * so the limits, the header check, EXIF orientation and alpha are the same for each.
 */
import type { BlobMeta, ImageFormat } from '../../core/domain/model'
import { ok, type Result } from '../../core/result'
import { pngBlobMeta } from '../hashing'
import { decodeImport, STUDIO_IMAGE_LIMITS } from './imageIo'
import { readPngText } from './pngText'

/** Text chunks worth carrying back: generation settings are short; anything beyond is dropped. */
export const MAX_TEXT_ENTRIES = 64
export const MAX_TEXT_CHARS = 16_384

export interface IngestedImage {
  readonly meta: BlobMeta
  readonly png: Uint8Array
  /** The format of the file the user gave us. */
  readonly sourceFormat: ImageFormat
  /** The source file's PNG text chunks (how another tool or this studio made it); empty for other formats. */
  readonly text: Record<string, string>
}

export async function ingestImage(bytes: Uint8Array, fileName: string): Promise<Result<IngestedImage>> {
  const decoded = await decodeImport(bytes, fileName, STUDIO_IMAGE_LIMITS)
  if (!decoded.ok) return decoded
  const { png, sourceFormat } = decoded.value
  return ok({ meta: pngBlobMeta(png, decoded.value), png, sourceFormat, text: sourceFormat === 'png' ? textOf(bytes) : {} })
}

function textOf(bytes: Uint8Array): Record<string, string> {
  let text: Record<string, string>
  try {
    text = readPngText(bytes)
  } catch {
    return {}
  }
  const kept: Record<string, string> = {}
  for (const [key, value] of Object.entries(text).slice(0, MAX_TEXT_ENTRIES)) if (value.length <= MAX_TEXT_CHARS) kept[key] = value
  return kept
}

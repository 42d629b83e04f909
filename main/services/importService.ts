/** Turns a user's file into an `import` node: decode and normalise first, store only on success. */
import { importImage } from '../../core/actions'
import type { ImportResult } from '../../core/api'
import { asNodeId, type NodeId } from '../../core/ids'
import type { BlobMeta } from '../../core/model'
import { StudioError } from '../../core/result'
import { decodeImport, STUDIO_IMAGE_LIMITS } from '../../engine/image/imageIo'
import { readPngText } from '../../engine/image/pngText'
import { settingsFromPngText, type GenerationSettings } from '../../core/generationParameters'
import { sha256 } from './blobHashing'
import type { HostClock } from './clock'
import type { ProjectSession } from './projectSession'

/** Decodes, normalises and stores an image as a blob only (for canvas layers). */
export async function storeImageFile(
  session: ProjectSession,
  clock: HostClock,
  input: { fileName: string; bytes: Uint8Array },
): Promise<BlobMeta> {
  const decoded = await decodeImport(input.bytes, input.fileName, STUDIO_IMAGE_LIMITS)
  if (!decoded.ok) throw new StudioError(decoded.error)
  const image = decoded.value
  const blob: BlobMeta = {
    hash: sha256(image.png),
    width: image.width,
    height: image.height,
    format: 'png',
    byteSize: image.png.byteLength,
    hasAlpha: image.hasAlpha,
  }
  if (!session.snapshot().blobs[blob.hash]) {
    session.apply(
      { ok: true, value: { project: { ...session.snapshot().project, modifiedAt: clock.now() }, putBlobs: [blob] } },
      new Map([[blob.hash, image.png]]),
    )
  }
  return blob
}

export async function importImageFile(
  session: ProjectSession,
  clock: HostClock,
  input: { fileName: string; bytes: Uint8Array; parentId?: NodeId | null },
): Promise<ImportResult> {
  const decoded = await decodeImport(input.bytes, input.fileName, STUDIO_IMAGE_LIMITS)
  if (!decoded.ok) throw new StudioError(decoded.error)
  const image = decoded.value
  const hash = sha256(image.png)
  const blob: BlobMeta = {
    hash,
    width: image.width,
    height: image.height,
    format: 'png',
    byteSize: image.png.byteLength,
    hasAlpha: image.hasAlpha,
  }
  const nodeId = asNodeId(clock.newId())
  const fileName = input.fileName.replace(/[\\/]/g, '_').slice(0, 255)
  session.apply(
    importImage(session.snapshot(), { id: nodeId, blob, sourceName: fileName, at: clock.now(), parentId: input.parentId ?? null }),
    new Map([[hash, image.png]]),
  )
  return { nodeId, blob: hash, settings: settingsOf(input.bytes) }
}

/** What a dropped PNG says about how it was made (text chunks only; the pixels were decoded above). */
function settingsOf(bytes: Uint8Array): GenerationSettings | null {
  try {
    return settingsFromPngText(readPngText(bytes))
  } catch {
    return null // not a PNG: JPEG, WebP … carry no such chunks here
  }
}

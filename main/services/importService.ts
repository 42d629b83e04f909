/**
 * Turns a user's file into an `import` node. The image worker decodes, normalises and hashes it
 * (the one ingest); the host stores the bytes only when that succeeded, so a bad file leaves no trace.
 */
import { importImage } from '../../core/domain/actions'
import type { ImportResult } from '../../core/contract/api'
import { asNodeId, type NodeId } from '../../core/ids'
import type { BlobMeta } from '../../core/domain/model'
import { settingsFromPngText } from '../../core/domain/generationParameters'
import type { HostClock } from './clock'
import type { ImageService } from './imageWorker'
import type { ProjectSession } from './projectSession'

/** Decodes, normalises and stores an image as a blob only (for canvas layers). */
export async function storeImageFile(
  session: ProjectSession,
  clock: HostClock,
  images: ImageService,
  input: { fileName: string; bytes: Uint8Array },
): Promise<BlobMeta> {
  const { meta, png } = await images.ingest(input.bytes, input.fileName)
  if (!session.snapshot().blobs[meta.hash]) {
    session.apply(
      { ok: true, value: { project: { ...session.snapshot().project, modifiedAt: clock.now() }, putBlobs: [meta] } },
      new Map([[meta.hash, png]]),
    )
  }
  return meta
}

export async function importImageFile(
  session: ProjectSession,
  clock: HostClock,
  images: ImageService,
  input: { fileName: string; bytes: Uint8Array; parentId?: NodeId | null },
): Promise<ImportResult> {
  const { meta, png, text } = await images.ingest(input.bytes, input.fileName)
  const nodeId = asNodeId(clock.newId())
  const fileName = input.fileName.replace(/[\\/]/g, '_').slice(0, 255)
  session.apply(
    importImage(session.snapshot(), { id: nodeId, blob: meta, sourceName: fileName, at: clock.now(), parentId: input.parentId ?? null }),
    new Map([[meta.hash, png]]),
  )
  // What a dropped PNG says about how it was made (its text chunks, read by the worker).
  return { nodeId, blob: meta.hash, settings: settingsFromPngText(text) }
}

/**
 * The one sha256 helper: blobs are named by the hex digest of their bytes everywhere (project
 * file, engine cache keys, batch results), so there is exactly one way to compute it.
 */
import { createHash } from 'node:crypto'
import { asBlobHash, type BlobHash } from '../core/ids'
import type { BlobMeta } from '../core/domain/model'

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** A blob's content-address. */
export const blobHashOf = (bytes: Uint8Array): BlobHash => asBlobHash(sha256Hex(bytes))

/** What the project stores about a PNG whose size and alpha are already known (decoded elsewhere). */
export const pngBlobMeta = (png: Uint8Array, image: { width: number; height: number; hasAlpha: boolean }): BlobMeta => ({
  hash: blobHashOf(png),
  width: image.width,
  height: image.height,
  format: 'png',
  byteSize: png.byteLength,
  hasAlpha: image.hasAlpha,
})

/**
 * Thumbnails cached in the project, per blob and size. The image worker makes them
 * (engine/image/workerHost.ts); the store only keeps the bytes so a big history opens with its
 * thumbnails ready. They go when their blob is collected (writeDiff.ts removeBlob).
 */
import type { BlobHash } from '../../core/ids'
import type { SqlDatabase } from './driver'

export interface Thumbnail {
  readonly format: 'png' | 'webp' | 'jpeg'
  readonly bytes: Uint8Array
}

export function getThumbnail(db: SqlDatabase, hash: BlobHash, size: number): Thumbnail | null {
  const row = db.prepare('SELECT format, bytes FROM thumbnails WHERE blob_hash = ? AND size = ?').get(hash, size)
  return row && row.bytes instanceof Uint8Array ? { format: String(row.format) as Thumbnail['format'], bytes: row.bytes } : null
}

/** Returns false (and stores nothing) when the project has no such blob: a thumbnail never outlives its image. */
export function putThumbnail(db: SqlDatabase, hash: BlobHash, size: number, thumbnail: Thumbnail): boolean {
  return db.transaction(() => {
    if (db.prepare('SELECT 1 AS present FROM blobs WHERE hash = ?').get(hash) === undefined) return false
    db.prepare(
      `INSERT INTO thumbnails (blob_hash, size, format, bytes) VALUES (?, ?, ?, ?)
      ON CONFLICT (blob_hash, size) DO UPDATE SET format = excluded.format, bytes = excluded.bytes`,
    ).run(hash, size, thumbnail.format, thumbnail.bytes)
    return true
  })
}

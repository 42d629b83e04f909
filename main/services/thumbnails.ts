/**
 * History thumbnails: small PNGs made once per blob and kept in memory (a 1,000-node history would
 * otherwise decode 1,000 full images on every scroll). Content-addressed, so never stale.
 */
import type { BlobHash } from '../../core/ids'
import { makeThumbnail } from '../../engine/image/imageIo'
import type { ProjectSession } from './projectSession'

export const THUMBNAIL_SIZE = 160
const MAX_ENTRIES = 2000

export class ThumbnailCache {
  private readonly entries = new Map<BlobHash, Promise<Uint8Array | null>>()

  constructor(private readonly session: ProjectSession) {}

  get(hash: BlobHash): Promise<Uint8Array | null> {
    const hit = this.entries.get(hash)
    if (hit) {
      // Refresh its place in the eviction order.
      this.entries.delete(hash)
      this.entries.set(hash, hit)
      return hit
    }
    const bytes = this.session.readBlob(hash)
    const made = bytes ? makeThumbnail(bytes, THUMBNAIL_SIZE) : Promise.resolve(null)
    this.entries.set(hash, made)
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as BlobHash)
    return made
  }
}

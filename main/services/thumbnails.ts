/**
 * History thumbnails: small PNGs made once per blob (a 1,000-node history would otherwise decode
 * 1,000 full images on every scroll), kept in memory and in the project file's thumbnail cache
 * when the store has one, so reopening a project does not remake them. Content-addressed, so
 * never stale. The image worker makes them; the host only stores the bytes.
 */
import type { BlobHash } from '../../core/ids'
import type { ImageService } from './imageWorker'
import type { ProjectSession } from './projectSession'
import type { ProjectQueries, ProjectStore } from '../store/projectStore'

export const THUMBNAIL_SIZE = 160
const MAX_ENTRIES = 2000

export class ThumbnailCache {
  private readonly entries = new Map<BlobHash, Promise<Uint8Array | null>>()

  constructor(
    private readonly session: ProjectSession,
    private readonly images: ImageService,
  ) {}

  get(hash: BlobHash): Promise<Uint8Array | null> {
    const hit = this.entries.get(hash)
    if (hit) {
      // Refresh its place in the eviction order.
      this.entries.delete(hash)
      this.entries.set(hash, hit)
      return hit
    }
    const made = this.load(hash)
    this.entries.set(hash, made)
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as BlobHash)
    return made
  }

  private async load(hash: BlobHash): Promise<Uint8Array | null> {
    const store = this.session.store
    const cached = hasThumbnailCache(store) ? store.getThumbnail(hash, THUMBNAIL_SIZE) : null
    if (cached) return cached.bytes
    const bytes = this.session.readBlob(hash)
    if (!bytes) return null
    const thumb = await this.images.thumbnail(bytes, THUMBNAIL_SIZE)
    if (hasThumbnailCache(store) && !store.readOnly) store.putThumbnail(hash, THUMBNAIL_SIZE, { format: 'png', bytes: thumb })
    return thumb
  }
}

const hasThumbnailCache = (store: ProjectStore): store is ProjectStore & Pick<ProjectQueries, 'getThumbnail' | 'putThumbnail'> =>
  'getThumbnail' in store && 'putThumbnail' in store

/**
 * The drift meter: how much a node changed from its parent and from its root, outside the edited
 * region when there is one. The measure (1 − mean SSIM, engine/image/drift.ts) runs in the image
 * worker, which decodes the images; images of different sizes are compared at the node's size.
 * Results are cached here by the pair of content hashes.
 */
import type { RequestResults, ValidParams } from '../../core/contract/api'
import { pathToRoot } from '../../core/domain/historyTree'
import type { BlobHash } from '../../core/ids'
import { StudioError, studioError } from '../../core/result'
import type { ImageService } from './imageWorker'
import type { ProjectSession } from './projectSession'

export class DriftService {
  private readonly cache = new Map<string, number>()

  constructor(
    private readonly session: ProjectSession,
    private readonly images: ImageService,
  ) {}

  async measure(p: ValidParams<'measureDrift'>): Promise<RequestResults['measureDrift']> {
    const state = this.session.snapshot()
    const node = state.nodes[p.nodeId]
    if (!node?.resultBlob) throw new StudioError(studioError('drift.noImage', 'This node has no finished image to measure.'))
    const path = pathToRoot(state.nodes, node.id)
    const parent = node.parentId ? state.nodes[node.parentId] : undefined
    const root = path[0]
    const mask = node.region?.maskBlob ?? null
    const other = p.against ? state.nodes[p.against] : undefined
    if (p.against && !other?.resultBlob)
      throw new StudioError(studioError('drift.noImage', 'The node to compare with has no finished image.'))
    return {
      between: other?.resultBlob ? await this.between(node.resultBlob, other.resultBlob, null) : null,
      measure: 'ssim',
      fromParent: parent?.resultBlob ? await this.between(node.resultBlob, parent.resultBlob, mask) : null,
      fromRoot: root && root.id !== node.id && root.resultBlob ? await this.between(node.resultBlob, root.resultBlob, mask) : null,
    }
  }

  private async between(nodeBlob: BlobHash, otherBlob: BlobHash, maskBlob: BlobHash | null): Promise<number> {
    const key = `${nodeBlob}:${otherBlob}:${maskBlob ?? ''}`
    const cached = this.cache.get(key)
    if (cached !== undefined) return cached
    const read = (hash: BlobHash): Uint8Array => {
      const bytes = this.session.readBlob(hash)
      if (!bytes) throw new StudioError(studioError('blob.missing', `Image ${hash.slice(0, 12)}… is missing from the project file.`))
      return bytes
    }
    const drift = await this.images.drift(read(nodeBlob), read(otherBlob), maskBlob ? read(maskBlob) : null)
    this.cache.set(key, drift)
    return drift
  }
}

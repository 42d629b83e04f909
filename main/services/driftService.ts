/**
 * The drift meter: how much a node changed from its parent and from its root, outside the edited
 * region when there is one. Measure: 1 − mean SSIM (ssim.js, 11-px windows on luma) — SSIM
 * follows structure and contrast the way a viewer notices drift, is bounded (0 = identical), and
 * needs no model download, unlike a learned perceptual distance. Images of different sizes are
 * compared at the node's size. Results are cached by the pair of content hashes.
 */
import { ssim } from 'ssim.js'
import type { RequestResults, ValidParams } from '../../core/api'
import { pathToRoot } from '../../core/historyTree'
import type { BlobHash } from '../../core/ids'
import { StudioError, studioError } from '../../core/result'
import { decodeMask, decodeRgba, type RgbaImage } from '../../engine/image/imageIo'
import type { ProjectSession } from './projectSession'

const WINDOW = 11

/** Summed-area table of the mask, so "does this window touch the region" is four lookups. */
function integralMask(mask: Uint8Array, width: number, height: number): Uint32Array {
  const sat = new Uint32Array((width + 1) * (height + 1))
  for (let y = 0; y < height; y++) {
    let row = 0
    for (let x = 0; x < width; x++) {
      row += mask[y * width + x] ? 1 : 0
      sat[(y + 1) * (width + 1) + x + 1] = (sat[y * (width + 1) + x + 1] as number) + row
    }
  }
  return sat
}

/** 1 − mean SSIM over the windows that do not touch the mask (all windows without one). */
export function maskedDrift(a: RgbaImage, b: RgbaImage, mask: Uint8Array | null): number {
  if (a.width < WINDOW || a.height < WINDOW) return a.data.every((v, i) => v === b.data[i]) ? 0 : 1
  const { ssim_map: map } = ssim(
    { data: new Uint8ClampedArray(a.data.buffer, a.data.byteOffset, a.data.byteLength), width: a.width, height: a.height },
    { data: new Uint8ClampedArray(b.data.buffer, b.data.byteOffset, b.data.byteLength), width: b.width, height: b.height },
    { ssim: 'fast', downsample: false, windowSize: WINDOW },
  )
  const sat = mask ? integralMask(mask, a.width, a.height) : null
  const stride = a.width + 1
  const touches = (x: number, y: number): boolean =>
    sat !== null &&
    (sat[(y + WINDOW) * stride + x + WINDOW] as number) -
      (sat[y * stride + x + WINDOW] as number) -
      (sat[(y + WINDOW) * stride + x] as number) +
      (sat[y * stride + x] as number) >
      0
  let sum = 0
  let count = 0
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      if (touches(x, y)) continue
      sum += map.data[y * map.width + x] as number
      count++
    }
  }
  return count === 0 ? 0 : Math.max(0, 1 - sum / count)
}

export class DriftService {
  private readonly cache = new Map<string, number>()

  constructor(private readonly session: ProjectSession) {}

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
    const a = await decodeRgba(read(nodeBlob))
    const b = await decodeRgba(read(otherBlob), { width: a.width, height: a.height })
    const mask = maskBlob ? await decodeMask(read(maskBlob), a.width, a.height) : null
    const drift = maskedDrift(a, b, mask)
    this.cache.set(key, drift)
    return drift
  }
}

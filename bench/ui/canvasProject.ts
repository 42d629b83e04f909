/**
 * Writes the canvas benchmark's project: a plain photo, then a 2048×1536 scene whose layer document
 * holds `layerCount` image layers of 1024² (partly transparent, spread over the scene) — the scene is
 * the newest node, so the studio opens on it.
 */
import sharp from 'sharp'
import { importImage } from '../../core/domain/actions'
import { asLayerId, asNodeId, type BlobHash, type NodeId } from '../../core/ids'
import { saveLayerDocument } from '../../core/domain/layerActions'
import { createDocument, createImageLayer } from '../../core/domain/layers'
import type { BlobMeta, LayerDocument } from '../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../core/domain/projectDiff'
import type { Result } from '../../core/result'
import { blobHashOf } from '../../engine/hashing'
import { openProjectStore } from '../../main/store/sqliteProjectStore'

export const SCENE = { width: 2048, height: 1536 }
/** A different size from the scene, so the benchmark can tell which picture the stage shows. */
export const PLAIN = { width: 1600, height: 1200 }
export const LAYER_SIDE = 1024
export const PLAIN_NODE = asNodeId('plain')
export const SCENE_NODE = asNodeId('scene')

async function png(
  width: number,
  height: number,
  rgba: { r: number; g: number; b: number; alpha: number },
): Promise<{ meta: BlobMeta; bytes: Uint8Array }> {
  // A diagonal stripe keeps the PNG from being a single run, so decoding does real work.
  const stripe = Buffer.from(
    `<svg width="${width}" height="${height}"><path d="M0 ${height} L${width} 0" stroke="white" stroke-width="${Math.round(width / 16)}"/></svg>`,
  )
  const bytes = new Uint8Array(
    await sharp({ create: { width, height, channels: 4, background: rgba } })
      .composite([{ input: stripe }])
      .png()
      .toBuffer(),
  )
  return { meta: { hash: blobHashOf(bytes), width, height, format: 'png', byteSize: bytes.byteLength, hasAlpha: rgba.alpha < 1 }, bytes }
}

export async function writeCanvasProject(path: string, layerCount: number): Promise<void> {
  const opened = openProjectStore(path, { create: true })
  if (!opened.ok) throw new Error(opened.error.message)
  const store = opened.value
  let state = store.load()
  const commit = (r: Result<ProjectDiff>, blobs?: { meta: BlobMeta; bytes: Uint8Array }[]): void => {
    if (!r.ok) throw new Error(r.error.message)
    store.commit(r.value, new Map<BlobHash, Uint8Array>((blobs ?? []).map((b) => [b.meta.hash, b.bytes])))
    state = applyDiff(state, r.value)
  }
  const importAt = async (
    id: NodeId,
    name: string,
    at: number,
    size: { width: number; height: number },
    colour: { r: number; g: number; b: number },
  ) => {
    const picture = await png(size.width, size.height, { ...colour, alpha: 1 })
    commit(importImage(state, { id, blob: picture.meta, sourceName: name, at }), [picture])
  }
  await importAt(PLAIN_NODE, 'plain.png', 1, PLAIN, { r: 40, g: 90, b: 160 })
  await importAt(SCENE_NODE, 'scene.png', 2, SCENE, { r: 200, g: 180, b: 140 })

  let doc: LayerDocument = createDocument(SCENE_NODE, SCENE.width, SCENE.height)
  const columns = 6
  for (let i = 0; i < layerCount; i++) {
    const picture = await png(LAYER_SIDE, LAYER_SIDE, { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256, alpha: 0.7 })
    commit({ ok: true, value: { putBlobs: [picture.meta] } }, [picture])
    // Centres on a 6 × 5 grid over the scene: every layer overlaps its neighbours, as a busy board does.
    const at = {
      x: ((i % columns) + 0.5) * (SCENE.width / columns),
      y: (Math.floor(i / columns) + 0.5) * (SCENE.height / Math.ceil(layerCount / columns)),
    }
    doc = {
      ...doc,
      layers: [...doc.layers, createImageLayer(asLayerId(`layer${i}`), `Layer ${i + 1}`, picture.meta.hash, LAYER_SIDE, LAYER_SIDE, at)],
    }
  }
  commit(saveLayerDocument(state, { document: doc, at: 3 }))
  store.close()
}

/**
 * What "Generate" sends when the current node has layers: the visible layers flattened over the
 * node's image at document resolution (an offscreen Konva stage at scale 1, masks left out), and
 * the painted mask as a black-and-white PNG of the same size. The host stores the composite as a
 * blob, so the new node's first context is exactly this picture.
 */
import Konva from 'konva'
import type { BlobHash } from '../../../core/ids'
import { activeMask, compositeLayers } from '../../../core/domain/layers'
import type { LayerDocument } from '../../../core/domain/model'
import { loadImage } from '../canvas/imageCache'
import { syncLayerNodes } from '../canvas/layerNodes'

export interface GenerationInput {
  readonly contextBlobs: BlobHash[]
  readonly contextUploads?: Uint8Array[]
  readonly regionMask?: Uint8Array
}

async function canvasPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
  if (!blob) throw new Error('the canvas could not be encoded as PNG')
  return new Uint8Array(await blob.arrayBuffer())
}

/** The node's image with the visible, non-mask layers drawn over it, as PNG bytes. */
export async function flattenComposite(doc: LayerDocument, base: BlobHash, blobUrl: (h: BlobHash) => string): Promise<Uint8Array> {
  const container = document.createElement('div')
  const stage = new Konva.Stage({ container, width: doc.width, height: doc.height })
  try {
    const layer = new Konva.Layer({ listening: false })
    stage.add(layer)
    layer.add(new Konva.Image({ image: await loadImage(blobUrl(base)), width: doc.width, height: doc.height }))
    await syncLayerNodes(layer, { ...doc, layers: [...compositeLayers(doc)] }, { blobUrl })
    return await canvasPng(stage.toCanvas({ pixelRatio: 1 }))
  } finally {
    stage.destroy()
  }
}

/** White where the mask layer has paint (alpha over half), black elsewhere, the document's size. */
export async function maskPng(doc: LayerDocument, mask: BlobHash, blobUrl: (h: BlobHash) => string): Promise<Uint8Array> {
  const img = await loadImage(blobUrl(mask))
  const canvas = document.createElement('canvas')
  canvas.width = doc.width
  canvas.height = doc.height
  const ctx = canvas.getContext('2d', { willReadFrequently: true })
  if (!ctx) throw new Error('no 2D canvas')
  ctx.drawImage(img, 0, 0, doc.width, doc.height)
  const pixels = ctx.getImageData(0, 0, doc.width, doc.height)
  const d = pixels.data
  // A hard threshold, so the host and the tests agree on exactly which pixels are in the region.
  for (let i = 0; i < d.length; i += 4) {
    const v = (d[i + 3] as number) > 127 ? 255 : 0
    d[i] = v
    d[i + 1] = v
    d[i + 2] = v
    d[i + 3] = 255
  }
  ctx.putImageData(pixels, 0, 0)
  return canvasPng(canvas)
}

/**
 * The context for generating from `base` with `doc` on top: the plain image when there is nothing
 * to flatten (so lineage stays the parent's own blob), otherwise the composite as an upload; plus
 * the region mask when one is painted.
 */
export async function generationInput(
  doc: LayerDocument | null,
  base: BlobHash,
  blobUrl: (h: BlobHash) => string,
): Promise<GenerationInput> {
  if (!doc) return { contextBlobs: [base] }
  const mask = activeMask(doc)
  const regionMask = mask?.blob ? await maskPng(doc, mask.blob, blobUrl) : undefined
  const region = regionMask ? { regionMask } : {}
  if (compositeLayers(doc).length === 0) return { contextBlobs: [base], ...region }
  return { contextBlobs: [], contextUploads: [await flattenComposite(doc, base, blobUrl)], ...region }
}

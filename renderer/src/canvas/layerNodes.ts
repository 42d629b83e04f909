/**
 * Keeps Konva nodes in step with a LayerDocument: one node per layer, found by the layer id (the
 * Konva `id`), created, updated, reordered or destroyed on each sync. Used both by the on-screen
 * stage and by the offscreen flatten, so what the user sees is what is sent to the engine.
 */
import Konva from 'konva'
import type { BlobHash } from '../../../core/ids'
import type { Layer, LayerDocument } from '../../../core/domain/model'
import { loadImage } from './imageCache'

export interface NodeSources {
  readonly blobUrl: (hash: BlobHash) => string
  /** The live pixels of a paint layer being edited, when there is one. */
  readonly paintCanvas?: (layer: Layer) => HTMLCanvasElement | null
  /** Called when an image finished loading after a sync, so the view can redraw. */
  readonly onLoaded?: () => void
}

export const LAYER_NAME = 'doc-layer'

function createNode(layer: Layer): Konva.Shape {
  const common = { id: layer.id, name: LAYER_NAME, perfectDrawEnabled: false }
  if (layer.kind === 'text') return new Konva.Text({ ...common, text: layer.text })
  return new Konva.Image({ ...common, image: undefined })
}

/** Applies one layer's data to its node; images load asynchronously and redraw when ready. */
function applyLayer(node: Konva.Shape, layer: Layer, sources: NodeSources): Promise<void> | null {
  const t = layer.transform
  node.setAttrs({
    x: t.x,
    y: t.y,
    scaleX: t.scaleX,
    scaleY: t.scaleY,
    rotation: t.rotation,
    opacity: layer.opacity,
    visible: layer.visible,
  })
  if (layer.kind === 'text') {
    node.setAttrs({
      text: layer.text,
      fontSize: layer.fontSize,
      fill: layer.color,
      fontFamily: layer.fontFamily ?? 'sans-serif',
      fontStyle: layer.fontWeight ?? 'normal',
      align: layer.align ?? 'left',
    })
    return null
  }
  const image = node as Konva.Image
  const live = sources.paintCanvas?.(layer) ?? null
  if (live) {
    image.image(live)
    image.setAttr('blobHash', layer.blob)
    return null
  }
  if (layer.blob === null) {
    image.image(undefined)
    image.setAttr('blobHash', null)
    return null
  }
  if (image.getAttr('blobHash') === layer.blob && image.image()) return null
  image.setAttr('blobHash', layer.blob)
  const blob = layer.blob
  return loadImage(sources.blobUrl(blob)).then((img) => {
    // A newer sync may have pointed the node at another picture meanwhile.
    if (image.getAttr('blobHash') !== blob) return
    image.image(img)
    if (layer.kind === 'image') image.size({ width: layer.width, height: layer.height })
    sources.onLoaded?.()
  })
}

/**
 * Brings `group`'s children in line with `doc` (bottom first) and resolves when every picture has
 * loaded. Nodes are reused by id so a drag in progress keeps its node.
 */
export function syncLayerNodes(group: Konva.Group | Konva.Layer, doc: LayerDocument | null, sources: NodeSources): Promise<void> {
  const layers = doc?.layers ?? []
  const wanted = new Set<string>(layers.map((l) => l.id))
  for (const child of group.find(`.${LAYER_NAME}`)) if (!wanted.has(child.id())) child.destroy()
  const pending: Promise<void>[] = []
  layers.forEach((layer, i) => {
    let node = group.findOne<Konva.Shape>(`#${layer.id}`)
    if (!node) {
      node = createNode(layer)
      group.add(node)
    }
    if (layer.kind === 'image') node.size({ width: layer.width, height: layer.height })
    const loading = applyLayer(node, layer, sources)
    if (loading) pending.push(loading)
    node.zIndex(Math.min(i + baseCount(group), group.children.length - 1))
  })
  return Promise.all(pending).then(() => undefined)
}

/** Children that are not layers (the node's own image) stay below every layer. */
function baseCount(group: Konva.Group | Konva.Layer): number {
  return group.children.filter((c) => !c.hasName(LAYER_NAME)).length
}

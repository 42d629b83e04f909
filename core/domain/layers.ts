/**
 * Pure operations on a node's layer stack (bottom first). Every function returns a new document;
 * ids are minted by the caller (the renderer store), so these stay deterministic and testable.
 * The node's own result is not a layer here: it is the base every document is drawn over.
 */
import type { BlobHash, LayerId, NodeId } from '../ids'
import type { ImageLayer, Layer, LayerDocument, LayerTransform, PaintLayer, TextLayer } from './model'

export const IDENTITY: LayerTransform = { x: 0, y: 0, scaleX: 1, scaleY: 1, rotation: 0 }

export function createDocument(nodeId: NodeId, width: number, height: number): LayerDocument {
  return { nodeId, width, height, layers: [] }
}

/** An image layer centred on `at` (document pixels), at its natural size. */
export function createImageLayer(
  id: LayerId,
  name: string,
  blob: BlobHash,
  width: number,
  height: number,
  at: { x: number; y: number },
  /** The picture it is dropped on: the layer is fitted inside it (see placeInside). */
  within?: { width: number; height: number },
): ImageLayer {
  const base = { id, name, visible: true, locked: false, opacity: 1 }
  return {
    ...base,
    kind: 'image',
    blob,
    width,
    height,
    transform: within
      ? placeInside(within, width, height, at)
      : { ...IDENTITY, x: Math.round(at.x - width / 2), y: Math.round(at.y - height / 2) },
  }
}

/**
 * Where a dropped picture goes: scaled down (never up) to fit inside the document, centred on the
 * drop point, and moved as little as needed to lie wholly on the picture — a 128 px product shot
 * on a 64 px picture used to land at its own size, mostly off-canvas with its handles out of reach.
 */
export function placeInside(
  doc: { width: number; height: number },
  width: number,
  height: number,
  at: { x: number; y: number },
): LayerTransform {
  const scale = Math.min(1, doc.width / width, doc.height / height)
  const w = width * scale
  const h = height * scale
  const clamp = (v: number, max: number) => Math.min(Math.max(0, v), Math.max(0, max))
  return {
    ...IDENTITY,
    scaleX: scale,
    scaleY: scale,
    x: Math.round(clamp(at.x - w / 2, doc.width - w)),
    y: Math.round(clamp(at.y - h / 2, doc.height - h)),
  }
}

export function createPaintLayer(id: LayerId, name: string, isMask: boolean): PaintLayer {
  // A mask is shown half-transparent so the image under it stays readable while painting.
  return { id, name, kind: 'paint', blob: null, isMask, visible: true, locked: false, opacity: isMask ? 0.5 : 1, transform: IDENTITY }
}

export function createTextLayer(
  id: LayerId,
  name: string,
  text: string,
  at: { x: number; y: number },
  fontSize = 24,
  color = '#ffffff',
): TextLayer {
  return {
    id,
    name,
    kind: 'text',
    text,
    fontSize,
    color,
    visible: true,
    locked: false,
    opacity: 1,
    transform: { ...IDENTITY, x: at.x, y: at.y },
  }
}

export function findLayer(doc: LayerDocument, id: LayerId): Layer | null {
  return doc.layers.find((l) => l.id === id) ?? null
}

/** Adds on top, or at `index` (0 = bottom). */
export function addLayer(doc: LayerDocument, layer: Layer, index = doc.layers.length): LayerDocument {
  const layers = [...doc.layers]
  layers.splice(Math.max(0, Math.min(index, layers.length)), 0, layer)
  return { ...doc, layers }
}

export function removeLayer(doc: LayerDocument, id: LayerId): LayerDocument {
  return { ...doc, layers: doc.layers.filter((l) => l.id !== id) }
}

/** Fields any layer kind may change; `kind` and `id` never change. */
export type LayerPatch = Partial<Pick<Layer, 'name' | 'visible' | 'locked' | 'opacity' | 'transform'>> &
  Partial<Pick<TextLayer, 'text' | 'fontSize' | 'color' | 'fontFamily' | 'fontWeight' | 'align'>> &
  Partial<{ blob: BlobHash | null }>

export function updateLayer(doc: LayerDocument, id: LayerId, patch: LayerPatch): LayerDocument {
  let changed = false
  const layers = doc.layers.map((l) => {
    if (l.id !== id) return l
    changed = true
    return applyPatch(l, patch)
  })
  return changed ? { ...doc, layers } : doc
}

function applyPatch(layer: Layer, patch: LayerPatch): Layer {
  const common = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.visible !== undefined ? { visible: patch.visible } : {}),
    ...(patch.locked !== undefined ? { locked: patch.locked } : {}),
    ...(patch.opacity !== undefined ? { opacity: Math.min(1, Math.max(0, patch.opacity)) } : {}),
    ...(patch.transform !== undefined ? { transform: patch.transform } : {}),
  }
  if (layer.kind === 'text') {
    const text = {
      ...(patch.text !== undefined ? { text: patch.text } : {}),
      ...(patch.fontSize !== undefined ? { fontSize: patch.fontSize } : {}),
      ...(patch.color !== undefined ? { color: patch.color } : {}),
      ...(patch.fontFamily !== undefined ? { fontFamily: patch.fontFamily } : {}),
      ...(patch.fontWeight !== undefined ? { fontWeight: patch.fontWeight } : {}),
      ...(patch.align !== undefined ? { align: patch.align } : {}),
    }
    return { ...layer, ...common, ...text }
  }
  if (layer.kind === 'paint') return { ...layer, ...common, ...(patch.blob !== undefined ? { blob: patch.blob } : {}) }
  // An image layer's picture is fixed: a different image is a different layer.
  return { ...layer, ...common }
}

/**
 * A copy placed just above the original, nudged so the user sees there are two — except paint and
 * mask layers, whose pixels are always aligned with the document (the brush and the region mask
 * assume it).
 */
export function duplicateLayer(doc: LayerDocument, id: LayerId, newId: LayerId, offset = 10): LayerDocument {
  const index = doc.layers.findIndex((l) => l.id === id)
  const original = doc.layers[index]
  if (!original) return doc
  if (original.kind === 'paint') return addLayer(doc, { ...original, id: newId, name: `${original.name} copy` }, index + 1)
  const t = original.transform
  const copy: Layer = { ...original, id: newId, name: `${original.name} copy`, transform: { ...t, x: t.x + offset, y: t.y + offset } }
  return addLayer(doc, copy, index + 1)
}

/** Moves a layer to stack position `toIndex` (0 = bottom), as a drag in the layer panel does. */
export function moveLayer(doc: LayerDocument, id: LayerId, toIndex: number): LayerDocument {
  const from = doc.layers.findIndex((l) => l.id === id)
  if (from < 0) return doc
  const to = Math.max(0, Math.min(toIndex, doc.layers.length - 1))
  if (from === to) return doc
  const layers = [...doc.layers]
  const [layer] = layers.splice(from, 1)
  layers.splice(to, 0, layer as Layer)
  return { ...doc, layers }
}

/** The layers that go into a flattened composite: visible, and not masks. */
export function compositeLayers(doc: LayerDocument): readonly Layer[] {
  return doc.layers.filter((l) => l.visible && !(l.kind === 'paint' && (l.isMask || l.blob === null)))
}

/** The painted mask layer to send as a region, if any is visible and has strokes. */
export function activeMask(doc: LayerDocument): PaintLayer | null {
  const masks = doc.layers.filter((l): l is PaintLayer => l.kind === 'paint' && l.isMask && l.visible && l.blob !== null)
  return masks[masks.length - 1] ?? null
}

export interface Box {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

/** The axis-aligned box a layer of `width`×`height` covers under its transform (rotation included). */
export function transformedBounds(t: LayerTransform, width: number, height: number): Box {
  const rad = (t.rotation * Math.PI) / 180
  const cos = Math.cos(rad)
  const sin = Math.sin(rad)
  const corners = [
    [0, 0],
    [width * t.scaleX, 0],
    [0, height * t.scaleY],
    [width * t.scaleX, height * t.scaleY],
  ].map(([px, py]) => [t.x + (px as number) * cos - (py as number) * sin, t.y + (px as number) * sin + (py as number) * cos] as const)
  const xs = corners.map((c) => c[0])
  const ys = corners.map((c) => c[1])
  const x = Math.min(...xs)
  const y = Math.min(...ys)
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y }
}

export interface SnapResult {
  readonly dx: number
  readonly dy: number
  /** Guide lines to draw: x positions (vertical lines) and y positions (horizontal lines). */
  readonly guidesX: readonly number[]
  readonly guidesY: readonly number[]
}

/**
 * Snaps a moving box to the document's edges and centre and to the other boxes' edges and centres:
 * the nearest line within `threshold` on each axis wins, compared over the box's start, centre and end.
 */
export function snapBox(moving: Box, doc: { width: number; height: number }, others: readonly Box[], threshold: number): SnapResult {
  const linesX = [0, doc.width / 2, doc.width, ...others.flatMap((b) => [b.x, b.x + b.width / 2, b.x + b.width])]
  const linesY = [0, doc.height / 2, doc.height, ...others.flatMap((b) => [b.y, b.y + b.height / 2, b.y + b.height])]
  const x = nearest([moving.x, moving.x + moving.width / 2, moving.x + moving.width], linesX, threshold)
  const y = nearest([moving.y, moving.y + moving.height / 2, moving.y + moving.height], linesY, threshold)
  return { dx: x?.delta ?? 0, dy: y?.delta ?? 0, guidesX: x ? [x.line] : [], guidesY: y ? [y.line] : [] }
}

function nearest(edges: readonly number[], lines: readonly number[], threshold: number): { delta: number; line: number } | null {
  let best: { delta: number; line: number } | null = null
  for (const e of edges) {
    for (const line of lines) {
      const delta = line - e
      if (Math.abs(delta) <= threshold && (!best || Math.abs(delta) < Math.abs(best.delta))) best = { delta, line }
    }
  }
  return best
}

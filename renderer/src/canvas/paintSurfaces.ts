/**
 * The pixels of paint and mask layers: one offscreen canvas per layer at document size, drawn on
 * directly by the brush (canvas/brushTool.ts) and shown by its Konva.Image. A layer's blob is the
 * saved state; when undo points the layer at another blob the surface reloads from it.
 */
import type { BlobHash, LayerId } from '../../../core/ids'
import type { Layer } from '../../../core/domain/model'
import { loadImage } from './imageCache'

interface Surface {
  readonly canvas: HTMLCanvasElement
  /** The blob the pixels match; a stroke being saved keeps its pixels until its blob is known. */
  blob: BlobHash | null
  saving: boolean
}

export interface PaintSurfaces {
  canvasFor(layer: Layer, width: number, height: number): HTMLCanvasElement | null
  /** Which layer a surface belongs to (a stroke is saved to the layer it was drawn on). */
  layerOf(canvas: HTMLCanvasElement): LayerId | null
  beginSave(id: LayerId): void
  endSave(id: LayerId, blob: BlobHash | null): void
  clear(): void
}

export function createPaintSurfaces(blobUrl: (h: BlobHash) => string, onLoaded: () => void): PaintSurfaces {
  const surfaces = new Map<LayerId, Surface>()

  function redraw(surface: Surface, blob: BlobHash | null): void {
    const ctx = surface.canvas.getContext('2d')
    surface.blob = blob
    ctx?.clearRect(0, 0, surface.canvas.width, surface.canvas.height)
    if (!blob) return
    void loadImage(blobUrl(blob)).then((img) => {
      if (surface.blob !== blob || surface.saving) return
      ctx?.clearRect(0, 0, surface.canvas.width, surface.canvas.height)
      ctx?.drawImage(img, 0, 0)
      onLoaded()
    })
  }

  return {
    canvasFor(layer, width, height) {
      if (layer.kind !== 'paint') return null
      let surface = surfaces.get(layer.id)
      if (!surface || surface.canvas.width !== width || surface.canvas.height !== height) {
        const canvas = document.createElement('canvas')
        canvas.width = width
        canvas.height = height
        surface = { canvas, blob: null, saving: false }
        surfaces.set(layer.id, surface)
        redraw(surface, layer.blob)
      } else if (surface.blob !== layer.blob && !surface.saving) {
        redraw(surface, layer.blob)
      }
      return surface.canvas
    },
    layerOf(canvas) {
      for (const [id, s] of surfaces) if (s.canvas === canvas) return id
      return null
    },
    beginSave(id) {
      const s = surfaces.get(id)
      if (s) s.saving = true
    },
    endSave(id, blob) {
      const s = surfaces.get(id)
      if (!s) return
      s.saving = false
      // A failed save forgets what the pixels match, so the next sync reloads the saved state.
      s.blob = blob ?? ('unsaved' as BlobHash)
    },
    clear() {
      surfaces.clear()
    },
  }
}

/**
 * The Konva side of the canvas: a stage with the node's image at the bottom and its layers above
 * (one content layer, so 30 big images are still two canvases), a UI layer for handles and snap
 * guides, and the tools attached. Vue state flows in by watchers; gestures flow out to the stores.
 */
import Konva from 'konva'
import { computed, onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import type { BlobHash } from '../../../core/ids'
import { useLayersStore } from '../stores/layers'
import { useProjectStore } from '../stores/project'
import { attachBrush } from './brushTool'
import { attachLasso } from './lassoTool'
import { loadImage } from './imageCache'
import { syncLayerNodes } from './layerNodes'
import { createPaintSurfaces } from './paintSurfaces'
import { applyViewport, attachPanZoom, viewportOf } from './panZoom'
import { attachSelect, type SelectTool } from './selectTool'
import { fitViewport, zoomAt } from './viewport'

export function useCanvasStage(host: Ref<HTMLDivElement | null>) {
  const project = useProjectStore()
  const layers = useLayersStore()
  let stage: Konva.Stage | null = null
  let content: Konva.Layer | null = null
  let picture: Konva.Image | null = null
  let select: SelectTool | null = null
  const cleanups: (() => void)[] = []
  const blobUrl = (h: BlobHash): string => project.api?.blobUrl(h) ?? ''
  const surfaces = createPaintSurfaces(blobUrl, () => content?.batchDraw())

  const imageUrl = computed(() => {
    const node = project.current
    if (node?.resultBlob) return project.api?.blobUrl(node.resultBlob) ?? null
    const preview = node && (node.status === 'running' || node.status === 'queued') ? project.progress[node.id]?.previewUrl : null
    if (preview) return preview
    const context = node?.contextBlobs[0]
    return context ? (project.api?.blobUrl(context) ?? null) : null
  })

  /** The size everything is fitted to: the layer document, else the picture. */
  function contentSize(): { width: number; height: number } | null {
    if (layers.doc) return { width: layers.doc.width, height: layers.doc.height }
    const img = picture?.image() as HTMLImageElement | undefined
    return img ? { width: img.naturalWidth, height: img.naturalHeight } : null
  }

  function fit(): void {
    const size = contentSize()
    if (stage && size) applyViewport(stage, fitViewport(size.width, size.height, stage.width(), stage.height()))
  }
  function actualSize(): void {
    const size = contentSize()
    if (stage && size)
      applyViewport(stage, { scale: 1, x: Math.round((stage.width() - size.width) / 2), y: Math.round((stage.height() - size.height) / 2) })
  }
  function zoom(factor: number): void {
    if (stage) applyViewport(stage, zoomAt(viewportOf(stage), factor, stage.width() / 2, stage.height() / 2))
  }

  async function show(url: string | null): Promise<void> {
    if (!stage || !picture) return
    if (!url) {
      picture.image(undefined)
      stage.batchDraw()
      return
    }
    const img = await loadImage(url)
    if (imageUrl.value !== url || !picture) return
    const old = picture.image() as HTMLImageElement | undefined
    // Keep the user's zoom when stepping through previews or nodes of the same size; fit a new size.
    const sameSize = !!old && old.naturalWidth === img.naturalWidth && old.naturalHeight === img.naturalHeight
    picture.image(img)
    picture.size({ width: img.naturalWidth, height: img.naturalHeight })
    if (!sameSize) fit()
    else stage.batchDraw()
  }

  function syncLayers(): Promise<void> {
    if (!content) return Promise.resolve()
    const doc = layers.doc
    // Show what Generate will send: layers are cut off at the picture's edges, as in the composite.
    content.setAttrs(
      doc
        ? { clipX: 0, clipY: 0, clipWidth: doc.width, clipHeight: doc.height }
        : { clipX: undefined, clipY: undefined, clipWidth: undefined, clipHeight: undefined },
    )
    const done = syncLayerNodes(content, doc, {
      blobUrl,
      paintCanvas: (l) => (doc ? surfaces.canvasFor(l, doc.width, doc.height) : null),
      onLoaded: () => content?.batchDraw(),
    })
    const sel = layers.selected
    select?.show(sel?.id ?? null, !!sel && layers.tool === 'move' && !sel.locked && sel.visible && sel.kind !== 'paint')
    content.batchDraw()
    return done
  }

  /** The selected paint layer's surface, for the brush. */
  function brushTarget(): HTMLCanvasElement | null {
    const sel = layers.selected
    const doc = layers.doc
    if (!sel || !doc || sel.kind !== 'paint' || sel.locked || !sel.visible) return null
    return surfaces.canvasFor(sel, doc.width, doc.height)
  }

  /** Masks always paint in one signal colour (only their alpha matters); paint layers in the chosen one. */
  const paintColour = (): string => (layers.selected?.kind === 'paint' && layers.selected.isMask ? '#ff2d55' : layers.brushColor)

  async function finishStroke(canvas: HTMLCanvasElement): Promise<void> {
    const id = surfaces.layerOf(canvas)
    if (!id) return
    surfaces.beginSave(id)
    const png = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'))
    const hash = png ? await layers.commitStroke(id, new Uint8Array(await png.arrayBuffer())) : null
    surfaces.endSave(id, hash)
  }

  /** Document coordinates of a DOM event over the stage (a drop). */
  function docPoint(e: DragEvent): { x: number; y: number } {
    if (!stage || !content) return { x: 0, y: 0 }
    stage.setPointersPositions(e)
    return content.getRelativePointerPosition() ?? { x: 0, y: 0 }
  }

  onMounted(() => {
    const el = host.value as HTMLDivElement
    stage = new Konva.Stage({ container: el, width: el.clientWidth, height: el.clientHeight })
    content = new Konva.Layer()
    const ui = new Konva.Layer()
    picture = new Konva.Image({ image: undefined, name: 'node-image', listening: false, perfectDrawEnabled: false })
    content.add(picture)
    stage.add(content, ui)
    const s = stage
    const c = content
    const panZoom = attachPanZoom(s, el)
    select = attachSelect(s, c, ui, {
      enabled: () => layers.tool === 'move' && !panZoom.spaceHeld(),
      docSize: () => (layers.doc ? { width: layers.doc.width, height: layers.doc.height } : null),
      onSelect: (id) => layers.select(id),
      onTransformed: (id, transform) => layers.update(id, { transform }),
      onEditText: (id) => {
        layers.select(id)
        // The layer panel shows the selected text layer's field; focus it once it has rendered.
        requestAnimationFrame(() => document.querySelector<HTMLInputElement>(`[data-text-of="${id}"]`)?.select())
      },
    })
    const detachBrush = attachBrush(s, c, ui, {
      target: brushTarget,
      mode: () => (layers.tool === 'brush' || layers.tool === 'eraser' ? layers.tool : null),
      size: () => layers.brushSize,
      color: paintColour,
      panning: () => panZoom.spaceHeld(),
      onStroke: (canvas) => void layers.track(finishStroke(canvas)),
    })
    const detachLasso = attachLasso(s, c, ui, {
      target: brushTarget,
      enabled: () => layers.tool === 'lasso',
      color: paintColour,
      panning: () => panZoom.spaceHeld(),
      onStroke: (canvas) => void layers.track(finishStroke(canvas)),
    })
    const resize = new ResizeObserver(() => {
      s.size({ width: el.clientWidth, height: el.clientHeight })
      fit()
    })
    resize.observe(el)
    cleanups.push(
      panZoom.detach,
      detachBrush,
      detachLasso,
      () => select?.detach(),
      () => resize.disconnect(),
    )
    void show(imageUrl.value)
    void syncLayers()
  })

  watch(imageUrl, (url) => void show(url))
  // Registered before the sync so a new node's surfaces are made after the old ones are dropped.
  watch(
    () => layers.doc?.nodeId,
    () => surfaces.clear(),
  )
  watch(
    () => [layers.doc, layers.selectedId, layers.tool, layers.selected],
    () => void syncLayers(),
  )

  onBeforeUnmount(() => {
    for (const c of cleanups) c()
    stage?.destroy()
    stage = null
  })

  return { fit, actualSize, zoom, docPoint, stageOf: () => stage }
}

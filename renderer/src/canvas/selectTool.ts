/**
 * Selecting, moving, scaling and rotating layers: a click picks the layer under the pointer, a
 * Konva Transformer gives handles, drags snap to the document's edges and centre and to the other
 * layers (Alt places freely), and the finished gesture is reported once (one undo step per drag
 * or transform). A double click on a text layer opens its words for editing.
 */
import Konva from 'konva'
import type { LayerId } from '../../../core/ids'
import { snapBox, type Box } from '../../../core/domain/layers'
import type { LayerTransform } from '../../../core/domain/model'
import { LAYER_NAME } from './layerNodes'

export interface SelectOptions {
  readonly enabled: () => boolean
  readonly docSize: () => { width: number; height: number } | null
  readonly onSelect: (id: LayerId | null) => void
  readonly onTransformed: (id: LayerId, t: LayerTransform) => void
  /** A double click on a text layer: edit its words. */
  readonly onEditText: (id: LayerId) => void
}

export interface SelectTool {
  readonly transformer: Konva.Transformer
  /** Points the handles at the selected layer's node (none when locked, hidden or a paint layer). */
  show(id: LayerId | null, editable: boolean): void
  detach(): void
}

const SNAP_SCREEN_PX = 6

export function attachSelect(stage: Konva.Stage, content: Konva.Layer, ui: Konva.Layer, opts: SelectOptions): SelectTool {
  const transformer = new Konva.Transformer({
    rotationSnaps: [0, 45, 90, 135, 180, 225, 270, 315],
    keepRatio: true,
    ignoreStroke: true,
    name: 'ui-transformer',
  })
  const guides = new Konva.Group({ listening: false, name: 'ui-guides' })
  ui.add(guides)
  ui.add(transformer)

  const layerNode = (target: Konva.Node): Konva.Node | null => (target.hasName(LAYER_NAME) ? target : null)
  const boxOf = (n: Konva.Node): Box => n.getClientRect({ relativeTo: content })

  function drawGuides(xs: readonly number[], ys: readonly number[]): void {
    guides.destroyChildren()
    const size = opts.docSize()
    if (!size) return
    const w = 1 / stage.scaleX()
    for (const x of xs) guides.add(new Konva.Line({ points: [x, -1e4, x, 1e4], stroke: '#ff3bd4', strokeWidth: w }))
    for (const y of ys) guides.add(new Konva.Line({ points: [-1e4, y, 1e4, y], stroke: '#ff3bd4', strokeWidth: w }))
    // Guides live in document space like the content.
    guides.position(content.position())
  }

  stage.on('pointerdown.select', (e) => {
    if (!opts.enabled() || e.evt.button !== 0) return
    const node = layerNode(e.target)
    if (node) opts.onSelect(node.id() as LayerId)
    else if (e.target === stage || e.target.hasName('node-image')) opts.onSelect(null)
  })

  content.on('dblclick.select dbltap.select', (e) => {
    const node = layerNode(e.target)
    if (node instanceof Konva.Text) opts.onEditText(node.id() as LayerId)
  })

  content.on('dragmove.select', (e) => {
    const node = layerNode(e.target)
    const size = opts.docSize()
    // Alt held: place freely, as in Figma and Photoshop.
    if (!node || !size || (e.evt as MouseEvent | undefined)?.altKey) {
      guides.destroyChildren()
      return
    }
    const others = content
      .find(`.${LAYER_NAME}`)
      .filter((n) => n !== node && n.isVisible())
      .map(boxOf)
    const s = snapBox(boxOf(node), size, others, SNAP_SCREEN_PX / stage.scaleX())
    node.position({ x: node.x() + s.dx, y: node.y() + s.dy })
    drawGuides(s.guidesX, s.guidesY)
  })

  const report = (target: Konva.Node): void => {
    const node = layerNode(target)
    guides.destroyChildren()
    ui.batchDraw()
    if (!node) return
    opts.onTransformed(node.id() as LayerId, {
      x: node.x(),
      y: node.y(),
      scaleX: node.scaleX(),
      scaleY: node.scaleY(),
      rotation: node.rotation(),
    })
  }
  content.on('dragend.select', (e) => report(e.target))
  // Konva fires transformend on the nodes without bubbling, so ask the transformer which ones moved.
  transformer.on('transformend.select', () => transformer.nodes().forEach(report))

  return {
    transformer,
    show(id, editable) {
      for (const n of content.find(`.${LAYER_NAME}`)) n.draggable(false)
      const node = id ? content.findOne(`#${id}`) : null
      if (node && editable) {
        node.draggable(true)
        transformer.nodes([node])
      } else {
        transformer.nodes([])
      }
      ui.batchDraw()
    },
    detach() {
      stage.off('.select')
      content.off('.select')
      transformer.destroy()
      guides.destroy()
    },
  }
}

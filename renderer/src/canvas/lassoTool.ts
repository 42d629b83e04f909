/**
 * Lasso on the selected paint or mask layer: the pointer traces an outline (previewed as a dashed
 * line on the UI layer), and on release the closed shape is filled into the layer's pixels — one
 * undo step, like a brush stroke. Faster than painting for a large region to edit.
 */
import Konva from 'konva'

export interface LassoOptions {
  readonly target: () => HTMLCanvasElement | null
  readonly enabled: () => boolean
  readonly color: () => string
  readonly panning: () => boolean
  readonly onStroke: (canvas: HTMLCanvasElement) => void
}

export function attachLasso(stage: Konva.Stage, content: Konva.Layer, ui: Konva.Layer, opts: LassoOptions): () => void {
  let active: { canvas: HTMLCanvasElement; points: number[] } | null = null
  const preview = new Konva.Line({ points: [], stroke: '#ff2d55', dash: [4, 4], closed: true, listening: false, name: 'ui-lasso' })
  ui.add(preview)

  const down = (e: Konva.KonvaEventObject<PointerEvent>): void => {
    if (e.evt.button !== 0 || opts.panning() || !opts.enabled()) return
    const canvas = opts.target()
    const p = content.getRelativePointerPosition()
    if (!canvas || !p) return
    active = { canvas, points: [p.x, p.y] }
  }
  const move = (): void => {
    const p = active ? content.getRelativePointerPosition() : null
    if (!active || !p) return
    active.points.push(p.x, p.y)
    preview.points(active.points)
    // A hairline at any zoom.
    preview.strokeWidth(1 / stage.scaleX())
    ui.batchDraw()
  }
  const up = (): void => {
    if (!active) return
    const { canvas, points } = active
    active = null
    preview.points([])
    ui.batchDraw()
    const ctx = canvas.getContext('2d')
    // Fewer than three points is a click, not a shape.
    if (!ctx || points.length < 6) return
    ctx.globalCompositeOperation = 'source-over'
    ctx.fillStyle = opts.color()
    ctx.beginPath()
    ctx.moveTo(points[0] as number, points[1] as number)
    for (let i = 2; i < points.length; i += 2) ctx.lineTo(points[i] as number, points[i + 1] as number)
    ctx.closePath()
    ctx.fill()
    content.batchDraw()
    opts.onStroke(canvas)
  }
  stage.on('pointerdown.lasso', down)
  stage.on('pointermove.lasso', move)
  window.addEventListener('pointerup', up)
  return () => {
    stage.off('.lasso')
    window.removeEventListener('pointerup', up)
    preview.destroy()
  }
}

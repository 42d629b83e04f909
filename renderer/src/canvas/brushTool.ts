/**
 * Brush and eraser on the selected paint or mask layer: strokes are drawn straight into the layer's
 * offscreen canvas (round caps, document pixels), and a finished stroke is handed on as PNG bytes
 * to become the layer's new blob — one undo step per stroke.
 */
import Konva from 'konva'

export interface BrushOptions {
  /** The canvas to paint on, or null when the brush should do nothing (no paint layer selected). */
  readonly target: () => HTMLCanvasElement | null
  readonly mode: () => 'brush' | 'eraser' | null
  readonly size: () => number
  readonly color: () => string
  /** Whether a pan gesture owns the pointer (space held). */
  readonly panning: () => boolean
  readonly onStroke: (canvas: HTMLCanvasElement) => void
}

export function attachBrush(stage: Konva.Stage, content: Konva.Layer, ui: Konva.Layer, opts: BrushOptions): () => void {
  // The brush's footprint under the pointer, so the size is visible before painting.
  const cursor = new Konva.Circle({
    radius: 1,
    stroke: '#ffffff',
    shadowColor: '#000000',
    shadowBlur: 2,
    listening: false,
    visible: false,
    name: 'ui-brush',
  })
  ui.add(cursor)
  const showCursor = (): void => {
    const p = content.getRelativePointerPosition()
    const on = !!p && !!opts.mode() && !opts.panning() && opts.target() !== null
    cursor.visible(on)
    if (on && p) cursor.setAttrs({ x: p.x, y: p.y, radius: opts.size() / 2, strokeWidth: 1 / stage.scaleX() })
    ui.batchDraw()
  }
  let active: { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; last: { x: number; y: number } } | null = null

  const point = (): { x: number; y: number } | null => content.getRelativePointerPosition()

  function draw(from: { x: number; y: number }, to: { x: number; y: number }): void {
    if (!active) return
    const ctx = active.ctx
    ctx.globalCompositeOperation = opts.mode() === 'eraser' ? 'destination-out' : 'source-over'
    ctx.strokeStyle = opts.color()
    ctx.lineWidth = opts.size()
    ctx.lineCap = 'round'
    ctx.lineJoin = 'round'
    ctx.beginPath()
    ctx.moveTo(from.x, from.y)
    // A zero-length segment still paints a dot with round caps.
    ctx.lineTo(to.x + (from.x === to.x && from.y === to.y ? 0.01 : 0), to.y)
    ctx.stroke()
    content.batchDraw()
  }

  const down = (e: Konva.KonvaEventObject<PointerEvent>): void => {
    if (e.evt.button !== 0 || opts.panning() || !opts.mode()) return
    const canvas = opts.target()
    const ctx = canvas?.getContext('2d')
    const p = point()
    if (!canvas || !ctx || !p) return
    active = { canvas, ctx, last: p }
    draw(p, p)
  }
  const move = (): void => {
    showCursor()
    const p = active ? point() : null
    if (!active || !p) return
    draw(active.last, p)
    active.last = p
  }
  const up = (): void => {
    if (!active) return
    const canvas = active.canvas
    active = null
    opts.onStroke(canvas)
  }
  stage.on('pointerdown.brush', down)
  stage.on('pointermove.brush', move)
  stage.on('pointerleave.brush', () => {
    cursor.visible(false)
    ui.batchDraw()
  })
  window.addEventListener('pointerup', up)
  return () => {
    stage.off('.brush')
    window.removeEventListener('pointerup', up)
    cursor.destroy()
  }
}

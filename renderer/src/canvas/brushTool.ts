/**
 * Brush and eraser on the selected paint or mask layer: strokes are drawn straight into the layer's
 * offscreen canvas (round caps, document pixels), and a finished stroke is handed on as PNG bytes
 * to become the layer's new blob — one undo step per stroke.
 */
import type Konva from 'konva'

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

export function attachBrush(stage: Konva.Stage, content: Konva.Layer, opts: BrushOptions): () => void {
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
  window.addEventListener('pointerup', up)
  return () => {
    stage.off('.brush')
    window.removeEventListener('pointerup', up)
  }
}

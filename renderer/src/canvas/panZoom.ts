/**
 * Viewport gestures: wheel (and trackpad pinch, which Chromium sends as ctrl+wheel) zooms around
 * the pointer; space-drag or the middle button pans. The viewport is never an undo step.
 */
import type Konva from 'konva'
import { zoomAt, type Viewport } from './viewport'

export function viewportOf(stage: Konva.Stage): Viewport {
  return { scale: stage.scaleX(), x: stage.x(), y: stage.y() }
}

export function applyViewport(stage: Konva.Stage, v: Viewport): void {
  stage.scale({ x: v.scale, y: v.scale })
  stage.position({ x: v.x, y: v.y })
  stage.batchDraw()
}

export interface PanZoom {
  readonly spaceHeld: () => boolean
  readonly detach: () => void
}

export function attachPanZoom(stage: Konva.Stage, el: HTMLElement): PanZoom {
  let space = false
  let pan: { sx: number; sy: number; x: number; y: number } | null = null

  // The wheel is handled on the element before Konva sees it: Konva would hit-test every wheel
  // event against the layers, work a zoom does not need.
  const wheel = (e: WheelEvent): void => {
    e.preventDefault()
    e.stopPropagation()
    const r = el.getBoundingClientRect()
    // Pinch deltas are small and frequent; scale them so a pinch feels like the wheel.
    const step = e.ctrlKey ? Math.exp(-e.deltaY / 100) : e.deltaY < 0 ? 1.1 : 1 / 1.1
    applyViewport(stage, zoomAt(viewportOf(stage), step, e.clientX - r.left, e.clientY - r.top))
  }
  // While panning nothing can be hit, so the layers skip redrawing their hit canvases each frame.
  const setHitTesting = (on: boolean): void => {
    for (const layer of stage.getLayers()) layer.listening(on)
  }

  // Space pans only when nothing else wants it: a focused button or field keeps its own Space.
  const spaceIsOurs = (t: EventTarget | null): boolean => !(t instanceof HTMLElement) || t === document.body || el.contains(t)
  const keydown = (e: KeyboardEvent): void => {
    if (e.code !== 'Space' || !spaceIsOurs(e.target) || space) return
    e.preventDefault()
    space = true
    el.style.cursor = 'grab'
  }
  const keyup = (e: KeyboardEvent): void => {
    if (e.code !== 'Space' || !space) return
    space = false
    el.style.cursor = ''
  }
  const down = (e: PointerEvent): void => {
    if (!(e.button === 1 || (e.button === 0 && space))) return
    e.preventDefault()
    // Konva never sees a pan's pointerdown, so no layer starts dragging under it.
    e.stopPropagation()
    pan = { sx: e.clientX, sy: e.clientY, x: stage.x(), y: stage.y() }
    el.style.cursor = 'grabbing'
    setHitTesting(false)
  }
  const move = (e: PointerEvent): void => {
    if (!pan) return
    stage.position({ x: pan.x + e.clientX - pan.sx, y: pan.y + e.clientY - pan.sy })
    stage.batchDraw()
  }
  const up = (): void => {
    if (!pan) return
    pan = null
    el.style.cursor = space ? 'grab' : ''
    setHitTesting(true)
    stage.batchDraw()
  }
  // Capture phase, so a pan starts before Konva can begin dragging a layer under the pointer.
  el.addEventListener('pointerdown', down, true)
  el.addEventListener('wheel', wheel, { capture: true, passive: false })
  window.addEventListener('pointermove', move)
  window.addEventListener('pointerup', up)
  window.addEventListener('keydown', keydown)
  window.addEventListener('keyup', keyup)
  return {
    spaceHeld: () => space || pan !== null,
    detach() {
      el.removeEventListener('pointerdown', down, true)
      el.removeEventListener('wheel', wheel, true)
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
      window.removeEventListener('keydown', keydown)
      window.removeEventListener('keyup', keyup)
    },
  }
}

/** Pure viewport math: fit an image in a stage, zoom around a point. */
export interface Viewport {
  readonly scale: number
  readonly x: number
  readonly y: number
}

export function fitViewport(imageW: number, imageH: number, stageW: number, stageH: number, padding = 24): Viewport {
  const scale = Math.max(0.01, Math.min((stageW - 2 * padding) / imageW, (stageH - 2 * padding) / imageH))
  return { scale, x: (stageW - imageW * scale) / 2, y: (stageH - imageH * scale) / 2 }
}

/** Zooms by `factor` keeping the point under the pointer still. */
export function zoomAt(v: Viewport, factor: number, px: number, py: number): Viewport {
  const scale = Math.min(64, Math.max(0.02, v.scale * factor))
  const k = scale / v.scale
  return { scale, x: px - (px - v.x) * k, y: py - (py - v.y) * k }
}

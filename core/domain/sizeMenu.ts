/**
 * The prompt bar's output size menu: the model's real preferred resolutions, with the one the
 * engine will pick for the context shown on the default entry (the bucket nearest the context's
 * aspect, as BFL's `prepare_kontext` and engine/math/resolution.ts choose it: least |aspect − w/h|,
 * ties to the smaller width), and the others ordered by how close their shape is to the context's,
 * so the sizes that keep its aspect come first. Without a context the engine picks the bucket
 * nearest square.
 */

export type Size = readonly [width: number, height: number]

export interface SizeOption {
  /** `WxH`, what the menu's value carries. */
  readonly value: string
  readonly width: number
  readonly height: number
  readonly label: string
}

export interface SizeMenu {
  /** The default entry: the engine's own choice, named. */
  readonly auto: { readonly label: string; readonly size: Size | null }
  readonly options: readonly SizeOption[]
}

/** Within this relative aspect difference a bucket "keeps the shape" (FLUX's buckets are 16-px steps). */
const SAME_SHAPE = 0.02

const better = (a: Size, da: number, b: Size, db: number): boolean =>
  da < db || (da === db && (a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])))

/** The preferred resolution nearest `width / height` in aspect (the engine's rule), or null for an empty list. */
export function nearestResolution(width: number, height: number, preferred: readonly Size[]): Size | null {
  if (!(width > 0 && height > 0) || preferred.length === 0) return null
  const aspect = width / height
  let best: Size | null = null
  let bestDiff = Infinity
  for (const r of preferred) {
    const d = Math.abs(aspect - r[0] / r[1])
    if (best === null || better(r, d, best, bestDiff)) {
      best = r
      bestDiff = d
    }
  }
  return best
}

const shape = (w: number, h: number): string => (w === h ? 'square' : w > h ? 'landscape' : 'portrait')

export function sizeMenu(preferred: readonly Size[], context: { width: number; height: number } | null): SizeMenu {
  const [cw, ch] = context && context.width > 0 && context.height > 0 ? [context.width, context.height] : [1, 1]
  const aspect = cw / ch
  const auto = nearestResolution(cw, ch, preferred)
  const diff = (r: Size) => Math.abs(aspect - r[0] / r[1])
  const ordered = [...preferred].sort((a, b) => (better(a, diff(a), b, diff(b)) ? -1 : better(b, diff(b), a, diff(a)) ? 1 : 0))
  const options = ordered.map(([w, h]): SizeOption => {
    const keeps = context !== null && Math.abs(w / h / aspect - 1) <= SAME_SHAPE
    return { value: `${w}x${h}`, width: w, height: h, label: `${w} × ${h} ${keeps ? '(keeps the context’s shape)' : shape(w, h)}` }
  })
  const label = !auto
    ? 'Size: as the context'
    : context
      ? `Size: as the context (${auto[0]} × ${auto[1]})`
      : `Size: nearest square (${auto[0]} × ${auto[1]})`
  return { auto: { label, size: auto }, options }
}

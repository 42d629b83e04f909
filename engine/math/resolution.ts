/**
 * Preferred-resolution choice by aspect ratio (BFL `prepare_kontext`, KONTEXT_PIPELINE.md §3.1):
 * minimise |aspect − w/h| over the model's list; ties go to the smaller width, as Python's
 * `min` over `(diff, w, h)` tuples does. Uses the raw image size, like BFL (not 16-floored).
 */
export type Resolution = readonly [width: number, height: number]

export function chooseResolution(width: number, height: number, preferred: readonly Resolution[]): Resolution {
  if (!(width > 0 && height > 0)) throw new RangeError(`image size must be positive, got ${width}×${height}`)
  if (preferred.length === 0) throw new RangeError('the model lists no preferred resolutions')
  const aspect = width / height
  let best = preferred[0]!
  let bestDiff = Infinity
  for (const r of preferred) {
    const diff = Math.abs(aspect - r[0] / r[1])
    if (diff < bestDiff || (diff === bestDiff && (r[0] < best[0] || (r[0] === best[0] && r[1] < best[1])))) {
      best = r
      bestDiff = diff
    }
  }
  return best
}

/**
 * A difference heatmap of two same-size RGBA images: black where equal, through red and yellow to
 * white where most different, so small drifts are visible at a glance.
 */
export function differenceHeatmap(a: Uint8ClampedArray, b: Uint8ClampedArray, out: Uint8ClampedArray): number {
  let total = 0
  for (let i = 0; i < a.length; i += 4) {
    const d =
      (Math.abs((a[i] as number) - (b[i] as number)) +
        Math.abs((a[i + 1] as number) - (b[i + 1] as number)) +
        Math.abs((a[i + 2] as number) - (b[i + 2] as number))) /
      3
    total += d
    // Amplified ×4 so a drift of a few levels still shows.
    const v = Math.min(1, (d * 4) / 255)
    out[i] = Math.round(255 * Math.min(1, v * 3))
    out[i + 1] = Math.round(255 * Math.min(1, Math.max(0, v * 3 - 1)))
    out[i + 2] = Math.round(255 * Math.max(0, v * 3 - 2))
    out[i + 3] = 255
  }
  return a.length ? total / (a.length / 4) / 255 : 0
}

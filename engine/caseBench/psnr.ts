/** PSNR between two 8-bit images of the same size (any channel layout, compared byte for byte). */

/** Per-image PSNR is capped so that a pixel-perfect image does not make a mean infinite. */
export const PSNR_CAP_DB = 100

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`images differ in size: ${a.length} vs ${b.length} bytes`)
  let se = 0
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) * (a[i]! - b[i]!)
  if (se === 0) return PSNR_CAP_DB
  return Math.min(PSNR_CAP_DB, 10 * Math.log10((255 * 255 * a.length) / se))
}

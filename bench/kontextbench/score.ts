/** Scoring of the spec: edit correct (classified output = target scene) and PSNR against the rendered target. */
import { scenesEqual, type Scene } from './domain'
import { classifyImage } from './classify'
import type { ImageSize } from './render'

/** Per-image PSNR is capped so that a pixel-perfect image does not make a mean infinite. */
export const PSNR_CAP_DB = 100

export function psnr(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`images differ in size: ${a.length} vs ${b.length} bytes`)
  let se = 0
  for (let i = 0; i < a.length; i++) se += (a[i]! - b[i]!) * (a[i]! - b[i]!)
  if (se === 0) return PSNR_CAP_DB
  return Math.min(PSNR_CAP_DB, 10 * Math.log10((255 * 255 * a.length) / se))
}

export function editCorrect(output: Uint8Array, target: Scene, imageSize: ImageSize = 64): boolean {
  return scenesEqual(classifyImage(output, imageSize), target)
}

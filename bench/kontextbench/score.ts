/** Scoring of the spec: edit correct (classified output = target scene) and PSNR against the rendered target. */
import { scenesEqual, type Scene } from './domain'
import { classifyImage } from './classify'
import type { ImageSize } from './render'

export { psnr, PSNR_CAP_DB } from '../../engine/caseBench/psnr'

export function editCorrect(output: Uint8Array, target: Scene, imageSize: ImageSize = 64): boolean {
  return scenesEqual(classifyImage(output, imageSize), target)
}

/**
 * Step previews that look like the picture (issue 15, trap 6): a preview shows the clean picture
 * the step predicts (x − t·v), at the output's size — through the model's decoder once a decode is
 * known to be cheap, through the fitted latent→RGB map otherwise — instead of an 8×8 mosaic of the
 * noisy latent. Which steps draw a preview is a time budget (test/unit/engine/previewPolicy.test.ts);
 * here the steps are pinned, so the pictures of given steps can be compared.
 */
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { KontextEngine } from '../../../engine/engineService'
import { decodeRgb } from '../../../engine/image/imageIo'
import { tinyModelDir } from '../../fixtures/engine/paths'
import { scene } from '../host/scenes'

const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number))
  return sum / a.length
}

describe('step previews', () => {
  it('approach the finished picture, at its size, and use the decoder once it is known to be cheap', async () => {
    const engine = new KontextEngine({ modelDirs: [tinyModelDir], provider: 'cpu' })
    const context = new Uint8Array(
      await sharp(await scene())
        .resize(64, 64)
        .png()
        .toBuffer(),
    )
    const job = { model: 'kontext-tiny', prompt: 'make the red circle blue', contexts: [context], seed: 7, steps: 12, guidance: 2.5 }
    // The first job loads the decoder, the second measures it against a step; the third uses it.
    await engine.run(job, {})
    await engine.run(job, {})
    const previews: { step: number; png: Uint8Array }[] = []
    const result = await engine.run(job, {
      previewFor: (step) => (step % 4 === 0 ? 'decode' : 'latent'),
      onProgress: (p) => {
        if (p.previewPng) previews.push({ step: p.step, png: p.previewPng })
      },
    })
    const final = await decodeRgb(result.png)
    expect(previews.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
    const shown = await Promise.all(previews.map(async (p) => ({ step: p.step, ...(await decodeRgb(p.png)) })))
    for (const s of shown) expect([s.width, s.height]).toEqual([final.width, final.height])
    const error = (step: number) => meanAbsDiff((shown.find((s) => s.step === step) as { rgb: Uint8Array }).rgb, final.rgb)
    // Steps 4 and 8 are decoded (as pinned): nearly the finished picture; the steps between
    // use the linear map, still a picture of the same scene rather than noise.
    expect(error(8)).toBeLessThan(6)
    expect(error(4)).toBeLessThan(error(3))
    expect(error(8)).toBeLessThan(error(9))
    expect(error(11)).toBeLessThan(40)
    expect(error(8)).toBeLessThan(error(1))
  })
})

/**
 * Conformance: fed the reference sampler's noise and context, the TypeScript pipeline on
 * onnxruntime-node reproduces every Euler step of the golden cases (assets/models/<model>/golden)
 * to 1e-4, and the decoded image matches the reference PNG. Runs for every bundled model with goldens.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeRgb, decodeRgbForModel } from '../../../engine/image/imageIo'
import { loadManifest } from '../../../engine/manifest/validate'
import { planesToRgb, rgbToPlanes } from '../../../engine/math/imagePlanes'
import { flowMatchSchedule } from '../../../engine/math/schedule'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig } from '../../../engine/pipeline/ortModels'
import type { ContextSource } from '../../../engine/pipeline/types'
import { SessionPool } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs, readF32, type Golden } from '../../fixtures/engine/tensors'

const f32 = readF32

const modelsRoot = join(repoRoot, 'assets', 'models')
const withGoldens = readdirSync(modelsRoot).filter((d) => existsSync(join(modelsRoot, d, 'golden', 'cases.json')))

describe.each(withGoldens)('conformance of %s against its golden tensors', (name) => {
  const dir = join(modelsRoot, name)
  const golden = JSON.parse(readFileSync(join(dir, 'golden', 'cases.json'), 'utf8')) as Golden
  const manifest = loadManifest(dir)
  if (!manifest.ok) throw new Error(manifest.error.message)
  const pool = new SessionPool({ provider: 'cpu' })
  const models = new OrtKontextModels(manifest.value, dir, pool)
  const pipeline = new KontextPipeline(models, pipelineConfig(manifest.value))
  const g = (f: string) => join(dir, 'golden', f)
  afterAll(() => pool.release())

  it('uses the same schedule as the reference', () => {
    const targetTokens = golden.cases[0]!.noise.shape[1]!
    const ours = flowMatchSchedule(golden.steps, targetTokens, manifest.value.schedule.mu)
    expect(maxAbs(ours, golden.timesteps)).toBeLessThan(1e-9)
  })

  it.each(golden.cases.map((c) => [c.kind, c] as const))('%s: tokens, context, every Euler step and the decoded PNG', async (_kind, c) => {
    expect(models.tokenize(c.prompt)[0]).toEqual(c.tokens)
    const contexts: ContextSource[] = []
    if (c.context_png && c.context_image && c.context_latent) {
      const png = new Uint8Array(readFileSync(g(c.context_png)))
      const [w, h] = [c.context_image.shape[3]!, c.context_image.shape[2]!]
      const rgb = await decodeRgbForModel(png, w, h, c.context_png)
      if (!rgb.ok) throw new Error(rgb.error.message)
      const planes = rgbToPlanes(rgb.value, w, h)
      // Our PNG decode gives exactly the reference's [-1,1] planes…
      expect(maxAbs(planes.data, f32(g(c.context_image.file)))).toBeLessThan(1e-6)
      // …and our encoder call its packed latent.
      const latent = await models.encodeImage(planes)
      const { packLatent } = await import('../../../engine/math/packing')
      expect(maxAbs(packLatent(latent).data, f32(g(c.context_latent.file)))).toBeLessThan(1e-4)
      contexts.push({ hash: c.context_png, width: w, height: h, load: async () => planes })
    }
    const steps: Float32Array[] = []
    const out = await pipeline.generate({
      prompt: c.prompt,
      contexts,
      seed: 0,
      steps: golden.steps,
      guidance: golden.guidance ?? 1,
      noise: f32(g(c.noise.file)),
      onStep: (e) => steps.push(Float32Array.from(e.latent.data)),
    })
    expect(steps).toHaveLength(c.steps.length)
    const errors = c.steps.map((s, i) => maxAbs(steps[i]!, f32(g(s.file))))
    expect(Math.max(...errors)).toBeLessThan(1e-4)
    const ref = await decodeRgb(new Uint8Array(readFileSync(g(c.output_png))))
    const ours = planesToRgb(out.image)
    expect([out.width, out.height]).toEqual([ref.width, ref.height])
    // Pixel values are rounded from floats that agree to ~1e-5, so a value on a rounding edge may differ by one level.
    expect(maxAbs(ours, ref.rgb)).toBeLessThanOrEqual(1)
  })
})

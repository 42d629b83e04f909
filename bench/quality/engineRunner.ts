/**
 * A model folder driven through the TypeScript engine's public API (manifest → OrtKontextModels →
 * KontextPipeline), with images as raw RGB bytes: no PNG codec between the benchmark's renderer
 * and the model, so scores measure the model and the engine, not a codec.
 */
import { loadManifest } from '../../engine/manifest/validate'
import { planesToRgb, rgbToPlanes } from '../../engine/math/imagePlanes'
import { KontextPipeline } from '../../engine/pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig } from '../../engine/pipeline/ortModels'
import type { ContextSource } from '../../engine/pipeline/types'
import { SessionPool } from '../../engine/sessions'

export interface RgbImage {
  readonly rgb: Uint8Array
  readonly width: number
  readonly height: number
}

export interface EditRequest {
  readonly prompt: string
  /** Null for text-to-image. */
  readonly context: RgbImage | null
  readonly seed: number
  readonly steps: number
  readonly guidance: number
  readonly width: number
  readonly height: number
}

export interface EngineRunner {
  readonly id: string
  readonly defaultSteps: number
  readonly defaultGuidance: number
  edit(req: EditRequest): Promise<RgbImage>
  /** decode(encode(image)): the autoencoder's own ceiling. */
  roundTrip(image: RgbImage): Promise<RgbImage>
  release(): Promise<void>
}

/** `intraOpThreads`: onnxruntime's threads per session (its default: one per core); 1 spends about half the CPU time on a busy machine. */
export function openModel(dir: string, provider = 'cpu', intraOpThreads?: number): EngineRunner {
  const loaded = loadManifest(dir)
  if (!loaded.ok) throw new Error(`${dir}: ${loaded.error.message}`)
  const manifest = loaded.value
  const pool = new SessionPool({ provider, ...(intraOpThreads ? { intraOpThreads } : {}) })
  const models = new OrtKontextModels(manifest, dir, pool)
  const pipeline = new KontextPipeline(models, pipelineConfig(manifest))
  let serial = 0
  const source = (img: RgbImage): ContextSource => {
    const planes = rgbToPlanes(img.rgb, img.width, img.height)
    // A fresh key per image: the pipeline caches context latents by this hash.
    return { hash: `bench-${serial++}`, width: img.width, height: img.height, load: async () => planes }
  }
  return {
    id: manifest.id,
    defaultSteps: manifest.defaults.steps,
    defaultGuidance: manifest.defaults.guidance,
    async edit(req) {
      const out = await pipeline.generate({
        prompt: req.prompt,
        contexts: req.context ? [source(req.context)] : [],
        seed: req.seed,
        steps: req.steps,
        guidance: req.guidance,
        width: req.width,
        height: req.height,
      })
      return { rgb: planesToRgb(out.image), width: out.width, height: out.height }
    },
    async roundTrip(image) {
      const latent = await models.encodeImage(rgbToPlanes(image.rgb, image.width, image.height))
      const planes = await models.decode(latent)
      return { rgb: planesToRgb(planes), width: planes.width, height: planes.height }
    },
    async release() {
      pipeline.promptCache.clear()
      pipeline.contextCache.clear()
      await pool.release()
    },
  }
}

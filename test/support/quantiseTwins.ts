/**
 * The quantisation measurements shared by the conformance test and `npm run bench:quantise`: the
 * small random FLUX twin folder (the official release's layout, as the edit conformance test
 * writes it), each component run on the same inputs through the engine's own
 * `CheckpointKontextModels` — float32 and quantised — and a whole 3-step edit with the same noise.
 * Every component is fed the float32 model's inputs, so its figure is its own error, not the
 * upstream components'; the edit's figure is what a user sees (errors compound).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packLatent } from '../../engine/math/packing'
import { openCheckpointFolder, type CheckpointFolder } from '../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../engine/pipeline/checkpointModels'
import { KontextPipeline } from '../../engine/pipeline/kontextPipeline'
import { pipelineConfig } from '../../engine/pipeline/ortModels'
import type { QuantiseSettings } from '../../engine/quantise/quantiseGraph'
import { SessionPool } from '../../engine/sessions'
import { randomArray, seededUniform } from './fluxCheckpoint'
import { TINY } from './fluxCheckpoints'
import { writeOfficialRelease } from './fluxFolders'

export const TWIN_CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[48, 32]] }
const [W, H] = [48, 32]
const PROMPT = 'a red cat'
export const TWIN_STEPS = 3

export const TWIN_PARTS = ['clip', 't5', 'ae-encode', 'transformer', 'ae-decode', 'edit'] as const
export type TwinPart = (typeof TWIN_PARTS)[number]
export type TwinOutputs = Record<TwinPart, Float32Array>

/** The twin in the release's layout; `F32` stores every tensor as float32 (read in place unquantised). */
export function writeTwin(folder: string, dtype?: 'F32'): CheckpointFolder {
  writeOfficialRelease(folder, TINY, dtype ? { dtype } : {})
  writeFileSync(join(folder, 'kontext.json'), JSON.stringify(TWIN_CONFIG))
  const opened = openCheckpointFolder(folder)
  if (!opened.ok) throw new Error(opened.error.message)
  return opened.value
}

/** Seeded inputs: the context picture and the edit's noise. */
function inputs(ck: CheckpointFolder) {
  const rand = seededUniform(41)
  const context = randomArray(rand, 3 * H * W, 1)
  const f = ck.manifest.latent.downsample
  const C = ck.manifest.latent.channels
  const noise = packLatent({ data: randomArray(rand, C * (H / f) * (W / f), 1.7), channels: C, height: H / f, width: W / f }).data
  return { context, noise }
}

/**
 * Runs every component and the edit with `quantise` (null: float32). `inlineMaxBytes: 0` sends the
 * graphs through the on-disk cache under `cacheDir` (so a test can open and count their nodes).
 */
export async function twinOutputs(
  ck: CheckpointFolder,
  quantise: QuantiseSettings | null,
  cacheDir: string,
  reference?: TwinOutputs,
): Promise<TwinOutputs> {
  const pool = new SessionPool({ provider: 'cpu' })
  const models = new CheckpointKontextModels(ck, { providers: ['cpu'], files: pool, cacheDir, inlineMaxBytes: 0, quantise })
  const { context, noise } = inputs(ck)
  try {
    const text = await models.encodeText(PROMPT)
    const z = await models.encodeImage({ data: context, channels: 3, height: H, width: W })
    // Downstream components get the float32 model's values when a reference is given.
    const refText = reference ? { ...text, sequence: reference.t5, pooled: reference.clip } : text
    const refZ = reference ? { ...z, data: reference['ae-encode'] } : z
    const img = packLatent(refZ)
    const imgIds = new Float32Array(img.count * 3)
    for (let i = 0; i < img.count; i++) {
      imgIds[3 * i + 1] = Math.floor(i / (refZ.width / 2))
      imgIds[3 * i + 2] = i % (refZ.width / 2)
    }
    const pred = await models.predictVelocity({
      img,
      imgIds,
      text: refText,
      txtIds: new Float32Array(refText.length * 3),
      timestep: 0.7,
      guidance: 2.5,
    })
    const decoded = await models.decode(refZ)
    const pipeline = new KontextPipeline(models, pipelineConfig(ck.manifest))
    const out = await pipeline.generate({
      prompt: PROMPT,
      contexts: [{ hash: 'ctx', width: W, height: H, load: async () => ({ data: context, channels: 3, height: H, width: W }) }],
      seed: 0,
      steps: TWIN_STEPS,
      guidance: 2.5,
      noise,
    })
    return {
      clip: text.pooled,
      t5: text.sequence,
      'ae-encode': z.data,
      transformer: pred,
      'ae-decode': decoded.data,
      edit: out.image.data,
    }
  } finally {
    await models.release()
    await pool.release()
  }
}

export interface ErrorFigures {
  readonly max: number
  readonly mean: number
  /** The float32 output's largest magnitude, for scale. */
  readonly scale: number
}

export function errorFigures(reference: Float32Array, got: Float32Array): ErrorFigures {
  if (reference.length !== got.length) throw new Error(`${got.length} values against ${reference.length}`)
  let max = 0
  let sum = 0
  let scale = 0
  for (let i = 0; i < reference.length; i++) {
    const d = Math.abs((got[i] as number) - (reference[i] as number))
    sum += d
    if (d > max) max = d
    scale = Math.max(scale, Math.abs(reference[i] as number))
  }
  return { max, mean: sum / reference.length, scale }
}

/**
 * The engine's side of FLUX checkpoint folders: how one is recognised, the identity a store
 * record gives it, where its built graphs are cached, the precision the environment forces, and
 * the memory check each job passes before anything loads.
 */
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { StudioError, studioError } from '../core/result'
import { MANIFEST_FILE } from './manifest/validate'
import { planTensorsOf, type CheckpointFolder } from './pipeline/checkpointFolder'
import type { CheckpointKontextModels } from './pipeline/checkpointModels'
import { fitJob, refusalText } from './plan/fit'
import { planGraph } from './plan/memoryPlan'
import { isBuiltPrecisionChoice, type BuiltPrecisionChoice } from './precision/plan'
import type { QuantiseSettings } from './quantise/quantiseGraph'
import { walkModelFolder } from './weights/walk'

/** A store model is listed under its record's id and name (a linked folder's own name means nothing). */
export const withStoreIdentity = (c: CheckpointFolder, s: { id: string; name: string }): CheckpointFolder => ({
  ...c,
  manifest: { ...c.manifest, id: s.id, name: s.name },
})

/** A folder without model.json but with safetensors in it is a checkpoint folder (the official release, ComfyUI's). */
export const isCheckpointFolder = (dir: string): boolean => {
  if (existsSync(join(dir, MANIFEST_FILE))) return false
  try {
    const f = walkModelFolder(dir)
    return f.safetensors.length + f.indexes.length > 0
  } catch {
    return false
  }
}

/** Built graphs too large to open from memory are kept here. */
export const graphCacheDir = (): string => join(process.env.KONTEXT_STUDIO_HOME ?? join(homedir(), '.kontext-studio'), 'cache', 'graphs')

/**
 * Before anything loads: the job's memory plan against the memory free now (plus what this model's
 * open graphs already hold). Everything stays loaded when it all fits, else one phase at a time;
 * a job that does not fit even so is refused with what would.
 */
export function checkJobFits(
  folder: CheckpointFolder,
  models: CheckpointKontextModels,
  [width, height]: readonly [number, number],
  refs: number,
  previewDecode: boolean,
  freeBytes: number,
  quantise: QuantiseSettings | null,
): void {
  const tensors = planTensorsOf(folder.parts)
  // A quantised model is planned with the weights it runs with (its cached MatMulNBits graphs).
  const req = { width, height, refs, precision: models.builtPrecision, previewDecode, quantise }
  const held = models.openGraphs().reduce((n, g) => n + planGraph(tensors, g, req).weightBytes, 0)
  const otherQuantise = quantise ? [] : (['int8', 'int4'] as const)
  const f = fitJob(tensors, req, freeBytes + held, { resolutions: folder.manifest.resolutions, otherQuantise })
  if (!f.mode) {
    const r = refusalText(f)
    throw new StudioError(studioError('job.tooLarge', r.message, r.hint))
  }
  models.sequential = f.mode === 'sequential'
}

/**
 * $KONTEXT_BUILT_PRECISION forces the precision of the graphs the engine builds (auto, float32,
 * float16: the tests run float16 graphs on the CPU); unset is auto (engine/precision/plan.ts).
 */
export function builtPrecisionFromEnv(): BuiltPrecisionChoice {
  const v = (process.env.KONTEXT_BUILT_PRECISION ?? 'auto').toLowerCase()
  if (isBuiltPrecisionChoice(v)) return v
  throw new StudioError(
    studioError(
      'engine.failed',
      `KONTEXT_BUILT_PRECISION is “${v.slice(0, 20)}”, which the engine does not know.`,
      'Use auto, float32 or float16, or unset it.',
    ),
  )
}

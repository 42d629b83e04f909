/**
 * The engine's answer to `planFit` (engine/protocol.ts) for one loaded model: the size snapped to
 * one of its resolutions as a job's would be, the memory free counted with what the model's open
 * graphs already hold (they would be reused, as `checkJobFits` counts them), and the panel.
 */
import type { FitRequest, ModelFit } from '../../core/contract/modelFit'
import type { ModelManifest } from '../manifest/schema'
import { chooseResolution } from '../math/resolution'
import { planTensorsOf, type CheckpointFolder } from '../pipeline/checkpointFolder'
import { isQuantiseMode, QUANTISE_SETTINGS } from '../quantise/modes'
import { fitNotPlanned, fitPanel } from './fitPanel'
import { planGraph, type PlanGraph } from './memoryPlan'

export interface FitSubject {
  readonly manifest: ModelManifest
  readonly checkpoint?: CheckpointFolder
  /** The install record's quantisation (`int8`/`int4`), null for float32 weights. */
  readonly quantiseMode: string | null
  /** Graphs of this model open now. */
  readonly openGraphs: readonly PlanGraph[]
}

export function modelFit(s: FitSubject, req: FitRequest, freeBytes: number): ModelFit {
  const [width, height] = chooseResolution(req.width, req.height, s.manifest.resolutions)
  if (!s.checkpoint) return fitNotPlanned(s.manifest.id, width, height, req.refs, freeBytes)
  const quantise = s.quantiseMode && isQuantiseMode(s.quantiseMode) ? s.quantiseMode : null
  const tensors = planTensorsOf(s.checkpoint.parts)
  const planReq = { width, height, refs: req.refs, precision: 'float32' as const, quantise: quantise ? QUANTISE_SETTINGS[quantise] : null }
  const held = s.openGraphs.reduce((n, g) => n + planGraph(tensors, g, planReq).weightBytes, 0)
  return fitPanel({
    model: s.manifest.id,
    tensors,
    width,
    height,
    refs: req.refs,
    freeBytes: freeBytes + held,
    resolutions: s.manifest.resolutions,
    quantise,
  })
}

/**
 * The Fit panel's data: a model's memory plan for one job (size, references), phase by phase,
 * against the memory free in the engine, and each way to make it fit with its effect and its
 * cost. Computed by the engine (`planFit` in engine/protocol.ts) and shown on the Models page
 * (`fitModel`); one schema for both hops. Nothing here is applied: the page only says.
 */
import { z } from 'zod'
import { FIT_MAX_REFS, SAMPLING_LIMITS } from '../limits'

export { FIT_MAX_REFS }

export const fitRequestSchema = z
  .object({
    model: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'not a model id'),
    width: z.number().int().min(SAMPLING_LIMITS.side.min).max(SAMPLING_LIMITS.side.max),
    height: z.number().int().min(SAMPLING_LIMITS.side.min).max(SAMPLING_LIMITS.side.max),
    refs: z.number().int().min(0).max(FIT_MAX_REFS),
  })
  .strict()
export type FitRequest = z.infer<typeof fitRequestSchema>

const bytes = z.number().nonnegative()

export const FIT_WAYS = ['size', 'refs', 'sequential', 'int8', 'int4', 'float16'] as const

export const modelFitSchema = z.object({
  model: z.string(),
  /** False for models the plan does not cover (manifest/ONNX models): `note` says why. */
  applies: z.boolean(),
  note: z.string().nullable(),
  /** The job planned: the size snapped to one of the model's resolutions. */
  width: z.number(),
  height: z.number(),
  refs: z.number(),
  /** The weights the model is installed with: 'float32', or its quantisation ('int8'/'int4'). */
  weights: z.string(),
  freeBytes: bytes,
  graphs: z.array(z.object({ graph: z.string(), label: z.string(), weightBytes: bytes, workingBytes: bytes })),
  phases: z.array(
    z.object({
      phase: z.string(),
      label: z.string(),
      graphs: z.array(z.string()),
      weightBytes: bytes,
      workingBytes: bytes,
      peakBytes: bytes,
    }),
  ),
  /** The largest phase (what one phase at a time needs) and every graph held at once. */
  peakBytes: bytes,
  residentBytes: bytes,
  /** `not-planned`: the plan does not cover this model (`applies` false). */
  mode: z.enum(['all-loaded', 'sequential', 'does-not-fit', 'not-planned']),
  /** The verdict in one sentence. */
  verdict: z.string(),
  ways: z.array(
    z.object({
      kind: z.enum(FIT_WAYS),
      /** False: the engine cannot do it yet (said in `effect`), never offered as a choice. */
      available: z.boolean(),
      /** Whether the job fits this way (null when there is nothing to compare). */
      fits: z.boolean().nullable(),
      /** The peak one phase at a time this way (null when not priced). */
      peakBytes: bytes.nullable(),
      effect: z.string(),
      /** What it costs the picture (null: nothing). */
      cost: z.string().nullable(),
    }),
  ),
})
export type ModelFit = z.infer<typeof modelFitSchema>
export type FitWay = ModelFit['ways'][number]

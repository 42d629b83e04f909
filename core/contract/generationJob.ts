/**
 * One generation, defined once: the job the engine runs, the progress it reports and the result it
 * returns. The engine protocol (engine/protocol.ts), the engine service, the CLI and the host's
 * queue all use these schemas and their `z.infer` types; the API's sampling fields are these
 * fields. Every limit comes from core/limits.ts.
 */
import { z } from 'zod'
import { ENGINE_SIDE_LIMITS, FEATHER_LIMITS, MAX_PROMPT_CHARS, SAMPLING_LIMITS, type NumberRange } from '../limits'

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes (a Uint8Array)')
/** A number within one of the shared limits. */
export const inRange = (r: NumberRange) => (r.integer ? z.number().int() : z.number()).min(r.min).max(r.max)

/** The sampling fields of a job, also the API's (where it takes them, as optional overrides). */
export const samplingFields = {
  seed: inRange(SAMPLING_LIMITS.seed),
  steps: inRange(SAMPLING_LIMITS.steps),
  guidance: inRange(SAMPLING_LIMITS.guidance),
}

/**
 * A region edit: only the painted part of the first context changes. The engine crops around the
 * mask, edits the crop at the model's resolution and blends it back through the feather; every
 * pixel outside the mask keeps the first context's bytes.
 */
export const generationMaskSchema = z
  .object({
    /** An image file (PNG…), stretched to the first context's size; opaque light pixels = edit. */
    png: bytes,
    /** Pixels inside the mask's edge where the edit reaches full strength; absent = about 4% of the crop. */
    feather: inRange(FEATHER_LIMITS).optional(),
  })
  .strict()
export type GenerationMask = z.infer<typeof generationMaskSchema>

export const generationJobSchema = z
  .object({
    model: z.string().min(1).max(100),
    prompt: z.string().max(MAX_PROMPT_CHARS),
    /** Encoded image files in order (offsets 1, 2, … in the model); empty for text-to-image. */
    contexts: z.array(bytes),
    ...samplingFields,
    /** The size asked of the model (snapped to one of its resolutions); absent = the first context's. */
    width: inRange(ENGINE_SIDE_LIMITS).optional(),
    height: inRange(ENGINE_SIDE_LIMITS).optional(),
    mask: generationMaskSchema.optional(),
  })
  .strict()
export type GenerationJob = z.infer<typeof generationJobSchema>

/** One step done, with a preview of the image so far when the engine drew one (one message, not two). */
export const generationProgressSchema = z
  .object({
    step: z.number().int().min(0),
    totalSteps: z.number().int().min(1),
    previewPng: bytes.nullable(),
  })
  .strict()
export type GenerationProgress = z.infer<typeof generationProgressSchema>

export const generationResultSchema = z
  .object({
    /** PNG carrying its generation parameters in text chunks. */
    png: bytes,
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    timingsMs: z.record(z.string(), z.number()),
  })
  .strict()
export type GenerationResult = z.infer<typeof generationResultSchema>

/** Why a job was refused, as one sentence naming the field (never the field's bytes). */
export function describeJobIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : ''
  return `${where}${issue?.message ?? 'not a valid job'}`
}

/**
 * Messages between the host and the engine process, validated with zod on both ends (a
 * malformed message is a bug report, never a crash). The job, its progress and its result are
 * the one generation schema of core/contract/generationJob.ts. Binary data (images) travels as
 * Uint8Array: both Electron's utilityProcess and a fork with `serialization: 'advanced'` use
 * structured clone. Errors cross as plain `{code, message, hint}` objects.
 */
import { z } from 'zod'
import type { EngineDescription } from '../core/domain/engineTypes'
import { fitRequestSchema, modelFitSchema } from '../core/contract/modelFit'
import { generationJobSchema, generationProgressSchema, generationResultSchema } from '../core/contract/generationJob'

const errorData = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() })

/** Host → engine. `id` pairs a request with its reply. */
export const requestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: z.number() }),
  z.object({ type: z.literal('describe'), id: z.number() }),
  z.object({ type: z.literal('submit'), id: z.number(), job: generationJobSchema }),
  z.object({ type: z.literal('cancel'), id: z.number() }),
  z.object({ type: z.literal('release'), id: z.number() }),
  /** The Fit panel's memory plan for one model, size and number of references (nothing is loaded). */
  z.object({ type: z.literal('planFit'), id: z.number(), fit: fitRequestSchema }),
])
export type EngineRequest = z.infer<typeof requestSchema>

const description = z.object({
  state: z.enum(['starting', 'ready', 'busy', 'crashed', 'restarting']),
  ortVersion: z.string(),
  providers: z.array(
    z.object({ name: z.string(), bundled: z.boolean(), usable: z.boolean().optional(), why: z.string().nullable().optional() }),
  ),
  activeProvider: z.string().nullable(),
  models: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      dir: z.string(),
      defaultSteps: z.number(),
      defaultGuidance: z.number(),
      resolutions: z.array(z.tuple([z.number(), z.number()]).readonly()),
      vocabulary: z.array(z.string()).nullable(),
      maxContexts: z.number(),
    }),
  ),
  brokenModels: z.array(z.object({ dir: z.string(), message: z.string() })).optional(),
  placement: z.array(z.object({ component: z.string(), provider: z.string() })).optional(),
  pid: z.number().nullable(),
  restarts: z.number(),
})

/** Engine → host. */
export const replySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number() }),
  z.object({ type: z.literal('pong'), id: z.number() }),
  z.object({ type: z.literal('description'), id: z.number(), description }),
  z.object({ type: z.literal('progress'), id: z.number(), progress: generationProgressSchema }),
  z.object({ type: z.literal('result'), id: z.number(), result: generationResultSchema }),
  z.object({ type: z.literal('error'), id: z.number().nullable(), error: errorData }),
  z.object({ type: z.literal('released'), id: z.number(), sessions: z.number() }),
  z.object({ type: z.literal('fitPlan'), id: z.number(), fit: modelFitSchema }),
  z.object({ type: z.literal('log'), line: z.string() }),
])
export type EngineReply = z.infer<typeof replySchema>

/** What the engine sends (the description typed as the core contract's readonly shape). */
export type EngineReplyOut =
  Exclude<EngineReply, { type: 'description' }> | { type: 'description'; id: number; description: EngineDescription }

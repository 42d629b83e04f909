/**
 * Messages between the host and the engine process, validated with zod on both ends (a
 * malformed message is a bug report, never a crash). Binary data (images) travels as
 * Uint8Array: both Electron's utilityProcess and a fork with `serialization: 'advanced'` use
 * structured clone. Errors cross as plain `{code, message, hint}` objects.
 */
import { z } from 'zod'
import type { EngineDescription } from '../core/engineTypes'
import { ENGINE_SIDE_LIMITS, MAX_PROMPT_CHARS, SAMPLING_LIMITS, type NumberRange } from '../core/limits'

const bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected a Uint8Array')
/** The studio's limits (core/limits.ts): the engine accepts the sampling ranges the API does. */
const inRange = (r: NumberRange) => (r.integer ? z.number().int() : z.number()).min(r.min).max(r.max)
const errorData = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() })

export const engineJobSchema = z.object({
  model: z.string().min(1),
  prompt: z.string().max(MAX_PROMPT_CHARS),
  contexts: z.array(bytes),
  seed: inRange(SAMPLING_LIMITS.seed),
  steps: inRange(SAMPLING_LIMITS.steps),
  guidance: inRange(SAMPLING_LIMITS.guidance),
  width: inRange(ENGINE_SIDE_LIMITS).optional(),
  height: inRange(ENGINE_SIDE_LIMITS).optional(),
})

/** Host → engine. `id` pairs a request with its reply. */
export const requestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ping'), id: z.number() }),
  z.object({ type: z.literal('describe'), id: z.number() }),
  z.object({ type: z.literal('submit'), id: z.number(), job: engineJobSchema }),
  z.object({ type: z.literal('cancel'), id: z.number() }),
  z.object({ type: z.literal('release'), id: z.number() }),
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
  pid: z.number().nullable(),
  restarts: z.number(),
})

/** Engine → host. */
export const replySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number() }),
  z.object({ type: z.literal('pong'), id: z.number() }),
  z.object({ type: z.literal('description'), id: z.number(), description }),
  z.object({ type: z.literal('progress'), id: z.number(), step: z.number().int(), totalSteps: z.number().int() }),
  z.object({ type: z.literal('preview'), id: z.number(), step: z.number().int(), png: bytes }),
  z.object({
    type: z.literal('result'),
    id: z.number(),
    result: z.object({ png: bytes, width: z.number(), height: z.number(), timingsMs: z.record(z.string(), z.number()) }),
  }),
  z.object({ type: z.literal('error'), id: z.number().nullable(), error: errorData }),
  z.object({ type: z.literal('released'), id: z.number(), sessions: z.number() }),
  z.object({ type: z.literal('log'), line: z.string() }),
])
export type EngineReply = z.infer<typeof replySchema>

/** What the engine sends (the description typed as the core contract's readonly shape). */
export type EngineReplyOut =
  Exclude<EngineReply, { type: 'description' }> | { type: 'description'; id: number; description: EngineDescription }

/** The WebSocket envelope around contract requests, responses and events. */
import { z } from 'zod'
import type { StudioEvent } from './api'
import type { StudioErrorData } from '../result'

export const RequestEnvelopeSchema = z
  .object({
    type: z.literal('request'),
    id: z.number().int().nonnegative(),
    name: z.string().max(64),
    params: z.unknown(),
  })
  .strict()
export type RequestEnvelope = z.infer<typeof RequestEnvelopeSchema>

export type ServerEnvelope =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: StudioErrorData }
  | { readonly type: 'event'; readonly event: StudioEvent }

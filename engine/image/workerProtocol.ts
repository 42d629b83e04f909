/**
 * Messages between the host and the image worker (engine/image/workerHost.ts), the one process
 * that decodes user images. One zod schema per message, validated on both ends; every byte field
 * and number is bounded, so a malformed or oversized message is refused by name, never decoded.
 * Images travel as Uint8Array (structured clone: utilityProcess, or fork with 'advanced').
 */
import { z } from 'zod'
import { EXPORT_SCALE_LIMITS, MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from '../../core/limits'
import { MASK_PRESETS } from '../../core/domain/regionPreset'
import { MAX_TEXT_CHARS, MAX_TEXT_ENTRIES } from './ingest'

/**
 * The largest byte field: a stored PNG of the biggest image the studio accepts, uncompressible
 * (4 bytes a pixel plus headroom for the container). Import files are capped lower by the worker
 * itself (core/limits.ts MAX_IMPORT_BYTES), with a refusal that says so.
 */
export const MAX_WORKER_BYTES = MAX_IMAGE_PIXELS * 4 + 64 * 2 ** 20
/** GIF frames and thumbnails are previews; their pixels stay small. */
export const MAX_FITTED_SIDE = 4096

const bytes = z.custom<Uint8Array>(
  (v) => v instanceof Uint8Array && v.byteLength <= MAX_WORKER_BYTES,
  'expected image bytes within the size limit',
)
const id = z.number().int().nonnegative()
const side = (max: number) => z.number().int().min(1).max(max)
const fileName = z.string().min(1).max(255)
const text = z
  .record(z.string().max(79), z.string().max(MAX_TEXT_CHARS))
  .refine((t) => Object.keys(t).length <= MAX_TEXT_ENTRIES, 'too many text entries')
const errorData = z.object({ code: z.string().max(100), message: z.string().max(2000), hint: z.string().max(2000).optional() })
const rgb = z.object({ r: z.number().int().min(0).max(255), g: z.number().int().min(0).max(255), b: z.number().int().min(0).max(255) })

// ── Host → worker ────────────────────────────────────────────────────────────────────────────────

export const pingRequest = z.object({ type: z.literal('ping'), id }).strict()
/** Decode → hash → BlobMeta for a user's file (import, canvas layer, context upload, mask, composite). */
export const ingestRequest = z.object({ type: z.literal('ingest'), id, fileName, bytes }).strict()
export const thumbnailRequest = z.object({ type: z.literal('thumbnail'), id, png: bytes, size: side(1024) }).strict()
/** A stored image re-encoded for export, scaled, with PNG text chunks when the format is PNG. */
export const exportRequest = z
  .object({
    type: z.literal('export'),
    id,
    image: bytes,
    format: z.enum(['png', 'jpeg', 'webp']),
    scale: z.number().min(EXPORT_SCALE_LIMITS.min).max(EXPORT_SCALE_LIMITS.max),
    text: text.optional(),
  })
  .strict()
/** The PNG as it is when its long side is within `maxSide`, else downscaled (storyboard PDF). */
export const fitRequest = z.object({ type: z.literal('fit'), id, png: bytes, maxSide: side(MAX_IMAGE_SIDE) }).strict()
/** RGBA pixels letterboxed into width × height (storyboard GIF frames). */
export const rgbaFittedRequest = z
  .object({ type: z.literal('rgbaFitted'), id, image: bytes, width: side(MAX_FITTED_SIDE), height: side(MAX_FITTED_SIDE), background: rgb })
  .strict()
/** The drift meter: `other` against `image`, outside `mask` when there is one. */
export const driftRequest = z.object({ type: z.literal('drift'), id, image: bytes, other: bytes, mask: bytes.nullable() }).strict()
/** A batch item's region mask made from its photo (engine/image/regionMask.ts), answered as an `encoded` PNG. */
export const regionMaskRequest = z.object({ type: z.literal('regionMask'), id, image: bytes, preset: z.enum(MASK_PRESETS) }).strict()

export const workerRequestSchema = z.discriminatedUnion('type', [
  pingRequest,
  ingestRequest,
  thumbnailRequest,
  exportRequest,
  fitRequest,
  rgbaFittedRequest,
  driftRequest,
  regionMaskRequest,
])
export type WorkerRequest = z.infer<typeof workerRequestSchema>
export type WorkerRequestType = WorkerRequest['type']

// ── Worker → host ────────────────────────────────────────────────────────────────────────────────

export const readyReply = z.object({ type: z.literal('ready'), pid: z.number().int() }).strict()
export const pongReply = z.object({ type: z.literal('pong'), id }).strict()
export const ingestedReply = z
  .object({
    type: z.literal('ingested'),
    id,
    meta: z.object({
      hash: z.string().regex(/^[0-9a-f]{64}$/),
      width: side(MAX_IMAGE_SIDE),
      height: side(MAX_IMAGE_SIDE),
      format: z.literal('png'),
      byteSize: z.number().int().min(1).max(MAX_WORKER_BYTES),
      hasAlpha: z.boolean(),
    }),
    png: bytes,
    sourceFormat: z.enum(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif']),
    text,
  })
  .strict()
/** Encoded bytes (thumbnail, export, fit) with their pixel size. */
export const encodedReply = z
  .object({ type: z.literal('encoded'), id, bytes, width: side(MAX_IMAGE_SIDE), height: side(MAX_IMAGE_SIDE) })
  .strict()
export const rgbaReply = z
  .object({ type: z.literal('rgba'), id, data: bytes, width: side(MAX_FITTED_SIDE), height: side(MAX_FITTED_SIDE) })
  .strict()
export const driftReply = z.object({ type: z.literal('drift'), id, value: z.number().min(0).max(1) }).strict()
/** A request refused or failed, with the same sentence the host would have said; id null when unreadable. */
export const errorReply = z.object({ type: z.literal('error'), id: id.nullable(), error: errorData }).strict()

export const workerReplySchema = z.discriminatedUnion('type', [
  readyReply,
  pongReply,
  ingestedReply,
  encodedReply,
  rgbaReply,
  driftReply,
  errorReply,
])
export type WorkerReply = z.infer<typeof workerReplySchema>

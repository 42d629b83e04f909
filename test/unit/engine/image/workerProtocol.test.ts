/**
 * The image worker's messages: each has one schema, and what is out of bounds is refused by the
 * schema before anything is decoded (a wrong type, a size out of range, bytes that are not bytes).
 */
import { describe, expect, it } from 'vitest'
import { EXPORT_SCALE_LIMITS } from '../../../../core/limits'
import { MAX_FITTED_SIDE, workerReplySchema, workerRequestSchema } from '../../../../engine/image/workerProtocol'

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47])

describe('image worker requests', () => {
  it('accept each request the host sends', () => {
    for (const request of [
      { type: 'ping', id: 1 },
      { type: 'ingest', id: 2, fileName: 'photo.jpg', bytes: png },
      { type: 'thumbnail', id: 3, png, size: 160 },
      { type: 'export', id: 4, image: png, format: 'png', scale: 1, text: { prompt: 'dusk' } },
      { type: 'fit', id: 5, png, maxSide: 2048 },
      { type: 'rgbaFitted', id: 6, image: png, width: 640, height: 480, background: { r: 0, g: 0, b: 0 } },
      { type: 'drift', id: 7, image: png, other: png, mask: null },
      { type: 'regionMask', id: 8, image: png, preset: 'background' },
    ])
      expect(workerRequestSchema.safeParse(request).success, request.type).toBe(true)
  })

  it('refuse out-of-bounds fields, unknown types and extra keys', () => {
    const bad = [
      { type: 'decodeAnything', id: 1 },
      { type: 'ingest', id: 2, fileName: '', bytes: png },
      { type: 'ingest', id: 2, fileName: 'x'.repeat(256), bytes: png },
      { type: 'ingest', id: 2, fileName: 'a.png', bytes: [1, 2, 3] },
      { type: 'ingest', id: 2, fileName: 'a.png', bytes: png, path: '/etc/passwd' },
      { type: 'thumbnail', id: 3, png, size: 0 },
      { type: 'export', id: 4, image: png, format: 'bmp', scale: 1 },
      { type: 'export', id: 4, image: png, format: 'png', scale: EXPORT_SCALE_LIMITS.max * 2 },
      { type: 'rgbaFitted', id: 6, image: png, width: MAX_FITTED_SIDE + 1, height: 10, background: { r: 0, g: 0, b: 0 } },
      { type: 'drift', id: -1, image: png, other: png, mask: null },
      // “whole” makes no mask, so it is not a request; nor is a preset the worker does not know.
      { type: 'regionMask', id: 8, image: png, preset: 'whole' },
      { type: 'regionMask', id: 8, image: png, preset: 'sky' },
    ]
    for (const request of bad) expect(workerRequestSchema.safeParse(request).success, JSON.stringify(request).slice(0, 80)).toBe(false)
  })
})

describe('image worker replies', () => {
  it('refuse a BlobMeta that is not a PNG blob with a sha256 name', () => {
    const meta = { hash: 'a'.repeat(64), width: 4, height: 4, format: 'png', byteSize: 4, hasAlpha: false }
    const ok = { type: 'ingested', id: 1, meta, png, sourceFormat: 'jpeg', text: {} }
    expect(workerReplySchema.safeParse(ok).success).toBe(true)
    expect(workerReplySchema.safeParse({ ...ok, meta: { ...meta, hash: 'not-a-hash' } }).success).toBe(false)
    expect(workerReplySchema.safeParse({ ...ok, meta: { ...meta, format: 'jpeg' } }).success).toBe(false)
    expect(workerReplySchema.safeParse({ type: 'drift', id: 1, value: 1.5 }).success).toBe(false)
  })
})

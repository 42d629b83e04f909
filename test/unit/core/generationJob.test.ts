/**
 * One job schema for every path: a region edit is a job with a mask whose feather is within its
 * limits, a job with a field nobody reads is refused, and the engine itself refuses a job outside
 * the limits with a message naming the field — whoever calls it (process, CLI, batch).
 */
import { describe, expect, it } from 'vitest'
import { generationJobSchema, generationProgressSchema } from '../../../core/contract/generationJob'
import { FEATHER_LIMITS } from '../../../core/limits'
import { KontextEngine } from '../../../engine/engineService'

const png = new Uint8Array([137, 80, 78, 71])
const job = { model: 'kontext-tiny', prompt: 'remove the red circle', contexts: [png], seed: 1, steps: 8, guidance: 2.5 }

describe('the generation job', () => {
  it('carries a region edit as a mask with an optional feather within its limits', () => {
    expect(generationJobSchema.safeParse({ ...job, mask: { png } }).success).toBe(true)
    for (const feather of [FEATHER_LIMITS.min, FEATHER_LIMITS.max])
      expect(generationJobSchema.safeParse({ ...job, mask: { png, feather } }).success).toBe(true)
    for (const feather of [-1, FEATHER_LIMITS.max + 1, 1.5])
      expect(generationJobSchema.safeParse({ ...job, mask: { png, feather } }).success).toBe(false)
    expect(generationJobSchema.safeParse({ ...job, mask: { png: [1, 2, 3] } }).success).toBe(false)
  })

  it('refuses fields it does not define (no second shape of a job slips through)', () => {
    expect(generationJobSchema.safeParse({ ...job, lastPreview: png }).success).toBe(false)
    expect(generationJobSchema.safeParse({ ...job, mask: { png, radius: 3 } }).success).toBe(false)
  })

  it('reports progress and its preview in one message', () => {
    expect(generationProgressSchema.safeParse({ step: 3, totalSteps: 8, previewPng: png }).success).toBe(true)
    expect(generationProgressSchema.safeParse({ step: 3, totalSteps: 8, previewPng: null }).success).toBe(true)
    expect(generationProgressSchema.safeParse({ step: 3, totalSteps: 0, previewPng: null }).success).toBe(false)
  })

  it('is checked by the engine itself, before any model is looked up', async () => {
    const engine = new KontextEngine({ modelDirs: [] })
    await expect(engine.run({ ...job, steps: 0 })).rejects.toMatchObject({ code: 'job.invalid', message: expect.stringContaining('steps') })
    await expect(engine.run({ ...job, mask: { png, feather: 999 } })).rejects.toMatchObject({
      code: 'job.invalid',
      message: expect.stringContaining('mask.feather'),
    })
  })
})

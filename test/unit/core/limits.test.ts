/**
 * One set of limits: the API schema, the engine protocol and the CLI accept and refuse the same
 * sampling values; the export cap's "largest scale" always fits and is the largest that does.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RequestSchemas } from '../../../core/contract/api'
import { safeDisplayText } from '../../../core/domain/displayText'
import { fitsExport, maxExportScale, SAMPLING_LIMITS, type ExportImageFormat } from '../../../core/limits'
import { numberOption } from '../../../engine/cli/inputs'
import { generationJobSchema } from '../../../core/contract/generationJob'

const job = { model: 'kontext-tiny', prompt: 'a ring', contexts: [], seed: 1, steps: 8, guidance: 1 }
const generate = { parentId: null, prompt: 'a ring', contextBlobs: [] }

describe('the studio’s limits', () => {
  it.each(['seed', 'steps', 'guidance'] as const)('API, engine protocol and CLI agree on %s at and past its bounds', (name) => {
    const range = SAMPLING_LIMITS[name]
    const step = range.integer ? 1 : 0.001
    for (const value of [range.min, range.max, range.min - step, range.max + step, Infinity, Number.NaN]) {
      const api = RequestSchemas.generate.safeParse({ ...generate, [name]: value }).success
      const engine = generationJobSchema.safeParse({ ...job, [name]: value }).success
      const cli = typeof numberOption(name, String(value), range) === 'number'
      expect({ value, api, engine, cli }).toEqual({ value, api, engine: api, cli: api })
    }
  })

  it('the largest export scale fits the cap, and one hundredth more does not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16384 }),
        fc.integer({ min: 1, max: 16384 }),
        fc.constantFrom<ExportImageFormat>('png', 'jpeg', 'webp'),
        (w, h, format) => {
          const best = maxExportScale(w, h, format)
          expect(fitsExport(w, h, best, format)).toBe(true)
          // Scales are given in hundredths; the next one up must not fit, unless the best is the API's 4×.
          if (best < 4) expect(fitsExport(w, h, Math.round((best + 0.01) * 100) / 100, format)).toBe(false)
        },
      ),
    )
  })

  it('shows outside text without control characters and with long words elided', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000 }), (text) => {
        const shown = safeDisplayText(text)
        expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/)
        for (const word of shown.split(/\s+/)) expect([...word].length).toBeLessThanOrEqual(80)
      }),
    )
  })
})

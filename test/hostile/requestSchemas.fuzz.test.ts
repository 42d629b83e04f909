/**
 * Property-based tests of every request in the StudioApi contract: arbitrary JSON (with bytes
 * anywhere, as the wire can carry them) handed to the host's `handle` never crashes it. Params the
 * contract refuses are answered with `request.invalid`, a bounded message naming what is wrong;
 * params it accepts are answered with a value or an expected StudioError — never `internal`.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { RequestSchemas, type RequestName } from '../../core/contract/api'
import { StudioError } from '../../core/result'
import { ProjectSession } from '../../main/services/projectSession'
import { StudioHost } from '../../main/services/studioHost'
import { absentEngine } from '../support/absentEngine'
import { MemoryProjectStore } from '../support/memoryStore'
import { jsonParams, wireValue } from './arbitraries'

let counter = 0
const clock = { now: () => 1_700_000_000_000 + counter, newId: () => `fuzz${++counter}`, newSeed: () => 7 }
const host = new StudioHost(new ProjectSession(new MemoryProjectStore()), absentEngine, clock)
afterAll(() => host.close())

/** Objects with the request's own field names (so fuzzing reaches each field's validation) and arbitrary values. */
function nearlyValid(name: RequestName): fc.Arbitrary<unknown> {
  const schema = RequestSchemas[name] as unknown as { shape?: Record<string, unknown> }
  const keys = Object.keys(schema.shape ?? {})
  if (keys.length === 0) return fc.dictionary(fc.string({ maxLength: 6 }), wireValue, { maxKeys: 3 })
  return fc.record(Object.fromEntries(keys.map((k) => [k, fc.oneof(wireValue, jsonParams)])), { requiredKeys: [] })
}

async function answer(name: string, params: unknown): Promise<{ ok: true } | { ok: false; code: string; message: string }> {
  try {
    await host.handle(name, params)
    return { ok: true }
  } catch (e) {
    // Anything but a StudioError is a crash the transport would report as `internal`.
    expect(e).toBeInstanceOf(StudioError)
    const error = e as StudioError
    return { ok: false, code: error.code, message: error.message }
  }
}

const names = Object.keys(RequestSchemas) as RequestName[]

describe('every request, fed arbitrary params', () => {
  for (const name of names) {
    it(`${name}: invalid params are answered with request.invalid; nothing crashes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(jsonParams, wireValue, nearlyValid(name)), async (params) => {
          const result = await answer(name, params)
          const valid = RequestSchemas[name].safeParse(params ?? {}).success
          if (!valid) {
            expect(result).toMatchObject({ ok: false, code: 'request.invalid' })
            if (!result.ok) {
              expect(result.message).toContain(name)
              expect(result.message.length).toBeLessThan(2000)
            }
          } else if (!result.ok) expect(result.code).not.toBe('internal')
        }),
        { numRuns: 150 },
      )
    })
  }
  it('thousands of unknown keys, long keys or broken list items get a short message, not an echo', async () => {
    const longKey = fc.string({ minLength: 1, maxLength: 400 })
    const crowded = fc.oneof(
      fc.dictionary(longKey, jsonParams, { minKeys: 50, maxKeys: 2000 }),
      fc.array(jsonParams, { minLength: 50, maxLength: 400 }).map((layers) => ({ document: { nodeId: 'n', width: 8, height: 8, layers } })),
    )
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<RequestName>('getProject', 'saveLayers', 'generate', 'updateFrame'),
        crowded,
        async (name, params) => {
          const result = await answer(name, params)
          expect(result).toMatchObject({ ok: false, code: 'request.invalid' })
          if (!result.ok) expect(result.message.length).toBeLessThan(2000)
        },
      ),
      { numRuns: 60 },
    )
  })
  it('an unknown or non-string request name is answered with request.unknown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(wireValue, fc.string({ maxLength: 100 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty'))
          .filter((n) => !(typeof n === 'string' && Object.hasOwn(RequestSchemas, n))),
        wireValue,
        async (name, params) => {
          const result = await answer(name as string, params)
          expect(result).toMatchObject({ ok: false, code: 'request.unknown' })
          if (!result.ok) expect(result.message.length).toBeLessThan(200)
        },
      ),
      { numRuns: 300 },
    )
  })
})

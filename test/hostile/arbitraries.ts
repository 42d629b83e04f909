/** fast-check arbitraries for what can arrive over the wire: JSON with bytes anywhere in it. */
import fc from 'fast-check'

/** Object keys, any string but the codec's reserved `$bin`. */
const key = fc.string({ unit: 'binary', maxLength: 12 }).filter((k) => k !== '$bin')

/** A decoded frame's value: JSON (any Unicode in keys and strings) with Uint8Arrays anywhere. */
export const wireValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc.integer(),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.uint8Array({ maxLength: 48 }),
    fc.array(tie('value'), { maxLength: 6 }),
    fc.dictionary(key, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  ),
})).value

/** Arbitrary JSON values, the kind a hostile client writes as params. */
export const jsonParams: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 })

/**
 * Quality floor of the bundled model through the TypeScript engine: on the first 50 benchmark
 * cases (bench/kontextbench/heldout.json: every case from split bucket 0, kinds in turn, so ~7
 * each), at the model's default 28 steps, the edit-correct rate must stay above a floor set a
 * little under the measured rate. A broken engine — wrong token ids, wrong packing or position
 * ids, the context not appended, a wrong schedule — scores far lower and fails here.
 *
 * Measured 2026-12-01 on the bundled kontext-tiny (the reference export), CPU, by
 * this test and by `npm run bench:quality` (its first 50 cases are these): 30 of 50
 * correct (60%; recolour 4/8, move 0/7, remove 4/7, add 7/7, background 4/7, reference 4/7,
 * t2i 7/7). That model was trained before the split existed, so this is an upper bound of its
 * rate on unseen cases; the floor guards the engine, not the model's generalisation. The long
 * timeout only catches a hung engine (the 50 cases took 169 s at a load average of 20 on 2 cores).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { heldOutCases } from '../../../bench/kontextbench'
import { openModel } from '../../../bench/quality/engineRunner'
import { byKind, scoreCases } from '../../../bench/quality/evaluate'
import { tinyModelDir } from '../../fixtures/engine/paths'

const CASES = 50
/** Edit-correct floor: measured 60% (30/50) on the bucket-0 cases. Seeded noise makes the run deterministic up to onnxruntime's
 *  CPU rounding; five cases of margin keep a borderline case from flipping the test, while a broken engine lands far below. */
const FLOOR = 0.5

describe('bundled kontext-tiny quality floor on 50 bucket-0 benchmark cases', () => {
  const model = openModel(tinyModelDir, 'cpu')
  afterAll(() => model.release())

  it(`gets at least ${FLOOR * 100}% of the edits right`, async () => {
    const results = await scoreCases(model, heldOutCases(CASES), {
      steps: model.defaultSteps,
      guidance: model.defaultGuidance,
      seedBase: 0,
    })
    const rate = results.filter((r) => r.ok).length / results.length
    console.log(
      `quality floor: ${results.filter((r) => r.ok).length}/${results.length} correct (${(100 * rate).toFixed(0)}%), by kind ${byKind(
        results,
      )
        .map((s) => `${s.group} ${Math.round(100 * s.ok)}%`)
        .join(', ')}`,
    )
    // The codec alone must be near perfect on these targets, or the scoring itself is broken.
    expect(results.filter((r) => r.aeOk).length / results.length).toBeGreaterThan(0.85)
    expect(rate).toBeGreaterThanOrEqual(FLOOR)
  }, 900_000)
})

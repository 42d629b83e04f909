/**
 * Quality floor of the bundled model through the TypeScript engine: on the first 50 held-out
 * KontextBench-mini cases (seed in bench/kontextbench/heldout.json; kinds in turn, so ~7 each),
 * at the model's default 28 steps, the edit-correct rate must stay above a floor set a little
 * under the measured rate. A broken engine — wrong token ids, wrong packing or position ids,
 * the context not appended, a wrong schedule — scores far lower and fails here.
 *
 * Measured 2026-11-25 on the bundled kontext-tiny (the reference export), CPU: 30 of 50 correct (60%;
 * recolour 50%, move 29%, remove 29%, add 86%, background 86%, reference 43%, t2i 100%). The kinds
 * that can succeed without reading the context (t2i, background) are only ~14 of the 50 cases.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { heldOutCases } from '../../../bench/kontextbench'
import { openModel } from '../../../bench/quality/engineRunner'
import { byKind, scoreCases } from '../../../bench/quality/evaluate'
import { tinyModelDir } from '../../fixtures/engine/paths'

const CASES = 50
/** Edit-correct floor: measured 60% (30/50). Seeded noise makes the run deterministic up to onnxruntime's
 *  CPU rounding; five cases of margin keep a borderline case from flipping the test, while a broken engine lands far below. */
const FLOOR = 0.5

describe('bundled kontext-tiny quality floor on 50 held-out cases', () => {
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
  }, 300_000)
})

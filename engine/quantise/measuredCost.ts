/**
 * The quality cost of each quantisation as `npm run bench:quantise` measured it (bench/README.md,
 * "quantise/": onnxruntime-node 1.30 CPU, blocks of 32) on the conformance twin — small random
 * FLUX checkpoints, not FLUX.1 Kontext [dev], whose cost was not measured. Copied here so the Fit
 * panel can state it; rerun the bench and update both when the quantiser changes.
 */
import type { QuantiseMode } from './modes'

export interface MeasuredCost {
  /** max and mean |quantised − float32| of the transformer's output, and the float32 output's largest magnitude. */
  readonly transformer: { readonly max: number; readonly mean: number; readonly scale: number }
  /** The same for a whole 3-step 48×32 edit's decoded picture (errors compound). */
  readonly edit: { readonly max: number; readonly mean: number; readonly scale: number }
}

export const MEASURED_QUANTISE_COST: Record<QuantiseMode, MeasuredCost> = {
  int8: { transformer: { max: 5.16e-2, mean: 1.1e-2, scale: 3.89 }, edit: { max: 1.71e-2, mean: 3.43e-3, scale: 2.49 } },
  int4: { transformer: { max: 1.11, mean: 2.11e-1, scale: 3.89 }, edit: { max: 3.61e-1, mean: 5.56e-2, scale: 2.49 } },
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`

/** The cost in one sentence, with where it was measured. */
export function measuredCostText(m: QuantiseMode): string {
  const c = MEASURED_QUANTISE_COST[m]
  return (
    `Measured on the small random twin checkpoints (npm run bench:quantise), not on FLUX.1 Kontext [dev]: ` +
    `a 3-step edit's picture differs from float32 by ${pct(c.edit.mean / c.edit.scale)} on average ` +
    `(at most ${pct(c.edit.max / c.edit.scale)}) of its largest value; the transformer's output by ${pct(c.transformer.mean / c.transformer.scale)} ` +
    `(at most ${pct(c.transformer.max / c.transformer.scale)}).`
  )
}

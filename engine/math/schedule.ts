/**
 * The shifted flow-matching schedule (BFL `get_schedule`, KONTEXT_PIPELINE.md §5):
 * t_i = shift(mu, 1 − i/n) for i = 0..n, with shift(mu, t) = e^mu / (e^mu + 1/t − 1).
 * mu is either a constant (kontext-tiny: 0.5) or linear in the target-token count from
 * (256, 0.5) to (4096, 1.15) (FLUX). Only the target's tokens count, never the context's.
 */
export type MuRule =
  | { readonly kind: 'constant'; readonly value: number }
  | {
      readonly kind: 'linear'
      readonly baseSeqLen: number
      readonly baseShift: number
      readonly maxSeqLen: number
      readonly maxShift: number
    }

export function muFor(rule: MuRule, imageSeqLen: number): number {
  if (rule.kind === 'constant') return rule.value
  const m = (rule.maxShift - rule.baseShift) / (rule.maxSeqLen - rule.baseSeqLen)
  return m * imageSeqLen + (rule.baseShift - m * rule.baseSeqLen)
}

/** shift(mu, t); exact 0 at t = 0 (1/0 = ∞) and exact 1 at t = 1. */
export function timeShift(mu: number, t: number): number {
  if (t <= 0) return 0
  const e = Math.exp(mu)
  return e / (e + (1 / t - 1))
}

/** n+1 timesteps from 1 down to 0. Computed in float64 (BFL uses float32 linspace; differences < 1e-7). */
export function flowMatchSchedule(steps: number, imageSeqLen: number, rule: MuRule): number[] {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`)
  const mu = muFor(rule, imageSeqLen)
  return Array.from({ length: steps + 1 }, (_, i) => timeShift(mu, 1 - i / steps))
}

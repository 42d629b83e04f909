/**
 * Which steps of a job draw a preview, and how: a time budget rather than a step count. A preview
 * per step (and a real decode every 4th) cost a 28-step kontext-tiny job 25–50 % of its engine
 * time, since its steps take milliseconds; a person sees a few previews a second at most. So a
 * job's previews may cost a fixed share of its time so far, come at most a few times a second, and
 * use the model's decoder when the share allows it, the fitted latent→RGB map otherwise. On a
 * model whose steps take a second (FLUX at 1024² on a GPU) that is a latent preview every step and
 * a real decode once mid-job; on kontext-tiny, the first step's and two or three more.
 */

export type PreviewKind = 'none' | 'latent' | 'decode'

export interface PreviewBudget {
  /** Previews may cost at most this share of the job's time so far. */
  readonly share: number
  /** At least this long between two previews (more are not seen, only paid for). */
  readonly minGapMs: number
}

export const PREVIEW_BUDGET: PreviewBudget = { share: 0.08, minGapMs: 250 }

/** A real decode only in the first three quarters of the steps: later, the finished one is near. */
const DECODE_UNTIL = 0.75

/** What a job's previews have cost so far. */
export interface PreviewLedger {
  readonly startMs: number
  /** When the last preview was chosen (null: none yet). */
  readonly lastMs: number | null
  readonly spentMs: number
  /** A latent preview's measured cost, map and PNG encode (0 before the first: it is cheap). */
  readonly latentMs: number
}

export const openLedger = (startMs: number): PreviewLedger => ({ startMs, lastMs: null, spentMs: 0, latentMs: 0 })

/**
 * The preview for `step` of `total` at `nowMs`. `decodeMs`: what a decode through the model's
 * decoder costs (its last measured full decode), or null when previews must not use the decoder.
 * The first step always shows the latent map (cheap, and it tells the designer at once where the
 * job is heading); never the last step: the finished picture follows at once.
 */
export function choosePreview(
  ledger: PreviewLedger,
  budget: PreviewBudget,
  step: number,
  total: number,
  nowMs: number,
  decodeMs: number | null,
): PreviewKind {
  if (step >= total) return 'none'
  if (step === 1 && ledger.lastMs === null) return 'latent'
  if (nowMs - (ledger.lastMs ?? ledger.startMs) < budget.minGapMs) return 'none'
  const allowance = budget.share * (nowMs - ledger.startMs) - ledger.spentMs
  if (decodeMs !== null && step <= total * DECODE_UNTIL && decodeMs + ledger.latentMs <= allowance) return 'decode'
  return ledger.latentMs <= allowance ? 'latent' : 'none'
}

/** The ledger once a preview is chosen at `nowMs` (the gap counts from the choice). */
export const markChosen = (ledger: PreviewLedger, nowMs: number): PreviewLedger => ({ ...ledger, lastMs: nowMs })

/** The ledger once a preview of `kind` is drawn and encoded, at `costMs` in all. */
export const addCost = (ledger: PreviewLedger, kind: Exclude<PreviewKind, 'none'>, costMs: number): PreviewLedger => ({
  ...ledger,
  spentMs: ledger.spentMs + costMs,
  latentMs: kind === 'latent' ? costMs : ledger.latentMs,
})

export interface PreviewChooser {
  /** The pipeline's `previewFor`. */
  choose(step: number, totalSteps: number): PreviewKind
  /** What a drawn preview cost, its drawing and its PNG encode. */
  spent(kind: Exclude<PreviewKind, 'none'>, ms: number): void
}

/**
 * One job's choice: none when nobody shows previews, the steps a caller pinned, or the budget.
 * `decodeMs` null: previews never use the decoder (a pinned 'decode' becomes the latent map).
 */
export function previewChooser(o: {
  readonly wanted: boolean
  readonly decodeMs: number | null
  readonly pinned?: (step: number, totalSteps: number) => PreviewKind
  readonly budget?: PreviewBudget
  readonly now?: () => number
}): PreviewChooser {
  const now = o.now ?? (() => performance.now())
  const budget = o.budget ?? PREVIEW_BUDGET
  let ledger = openLedger(now())
  const pick = o.pinned ?? ((step: number, total: number) => choosePreview(ledger, budget, step, total, now(), o.decodeMs))
  return {
    choose(step, total) {
      if (!o.wanted) return 'none'
      const kind = pick(step, total)
      if (kind === 'none') return kind
      ledger = markChosen(ledger, now())
      return kind === 'decode' && o.decodeMs === null ? 'latent' : kind
    },
    spent(kind, ms) {
      ledger = addCost(ledger, kind, ms)
    },
  }
}

/** A decoder "cheap" enough for previews at all: its last full decode cost at most this many steps. */
const CHEAP_DECODE_STEPS = 3
/**
 * Whether previews may use the decoder: its cost is known (the first decode of a session also
 * loads it, so from the job after next) and at most a few steps. A ratio, so a busy machine does
 * not change the choice; the memory plan keeps the decoder resident during denoising only then.
 */
export const isCheapDecode = (cost: DecodeCost | null): boolean => cost !== null && cost.decodeMs <= CHEAP_DECODE_STEPS * cost.stepMs
export interface DecodeCost {
  readonly decodeMs: number
  readonly stepMs: number
}
/** Upscale of a latent-resolution preview: to the output's size, at most 512 px a side. */
export const previewScale = (latentWidth: number, downsample: number): number =>
  Math.max(1, Math.floor(Math.min(512, latentWidth * downsample) / Math.max(1, latentWidth)))

/**
 * The step-preview budget on a clock the test moves: what a designer sees of a job (a preview at
 * once, then a few a second at most) and what it costs the job (a small share of its time).
 */
import { describe, expect, it } from 'vitest'
import { choosePreview, openLedger, PREVIEW_BUDGET, previewChooser, type PreviewKind } from '../../../engine/previewPolicy'

interface Run {
  readonly kinds: PreviewKind[]
  /** When each preview was chosen. */
  readonly at: number[]
  readonly spentMs: number
  readonly totalMs: number
}

/** A job of `steps` steps of `stepMs`, previews costing `latentMs` or `decodeMs`, on a fake clock. */
function simulate(steps: number, stepMs: number, latentMs: number, decodeMs: number | null): Run {
  let clock = 0
  const chooser = previewChooser({ wanted: true, decodeMs, now: () => clock })
  const kinds: PreviewKind[] = []
  const at: number[] = []
  let spentMs = 0
  for (let step = 1; step <= steps; step++) {
    clock += stepMs
    const kind = chooser.choose(step, steps)
    kinds.push(kind)
    if (kind === 'none') continue
    at.push(clock)
    const cost = kind === 'decode' ? (decodeMs as number) + latentMs : latentMs
    clock += cost
    spentMs += cost
    chooser.spent(kind, cost)
  }
  return { kinds, at, spentMs, totalMs: clock }
}

const gaps = (at: readonly number[]) => at.slice(1).map((t, i) => t - (at[i] as number))

describe('step previews on a time budget', () => {
  it('on kontext-tiny (15 ms steps, a 25 ms decoder): the first step at once, then a few, at a few per cent of the job', () => {
    const r = simulate(28, 15, 2, 25)
    expect(r.kinds[0]).toBe('latent')
    expect(r.kinds.at(-1)).toBe('none')
    const drawn = r.kinds.filter((k) => k !== 'none').length
    expect(drawn).toBeGreaterThanOrEqual(2)
    expect(drawn).toBeLessThanOrEqual(4)
    for (const g of gaps(r.at)) expect(g).toBeGreaterThanOrEqual(PREVIEW_BUDGET.minGapMs)
    // The share holds after the first preview (which is free of the budget, and tiny).
    expect(r.spentMs - 2).toBeLessThanOrEqual(PREVIEW_BUDGET.share * r.totalMs)
  })

  it('on FLUX at 1024² on a GPU (1 s steps, an 800 ms decoder): a preview every step but the last, a real decode mid-job', () => {
    const r = simulate(28, 1000, 20, 800)
    expect(r.kinds.slice(0, 27).every((k) => k !== 'none')).toBe(true)
    expect(r.kinds[27]).toBe('none')
    const decodes = r.kinds.filter((k) => k === 'decode').length
    expect(decodes).toBeGreaterThanOrEqual(1)
    expect(decodes).toBeLessThanOrEqual(2)
    expect(r.kinds.lastIndexOf('decode')).toBeLessThan(21) // not when the finished picture is near
    expect(r.spentMs).toBeLessThanOrEqual(PREVIEW_BUDGET.share * r.totalMs + 20)
  })

  it('never uses a decoder it may not, and draws nothing when nobody shows previews', () => {
    expect(simulate(28, 1000, 20, null).kinds).not.toContain('decode')
    const off = previewChooser({ wanted: false, decodeMs: 25, now: () => 0 })
    expect([1, 2, 3].map((s) => off.choose(s, 3))).toEqual(['none', 'none', 'none'])
  })

  it('lets a caller pin the steps, with a pinned decode falling back to the latent map without a decoder', () => {
    const pinned = (step: number): PreviewKind => (step % 2 === 0 ? 'decode' : 'latent')
    const withDecoder = previewChooser({ wanted: true, decodeMs: 25, pinned, now: () => 0 })
    expect([1, 2, 3, 4].map((s) => withDecoder.choose(s, 4))).toEqual(['latent', 'decode', 'latent', 'decode'])
    const without = previewChooser({ wanted: true, decodeMs: null, pinned, now: () => 0 })
    expect([1, 2].map((s) => without.choose(s, 4))).toEqual(['latent', 'latent'])
  })

  it('waits out the gap, then spends only what the share of the time so far allows', () => {
    const ledger = { ...openLedger(0), lastMs: 0, latentMs: 10 }
    expect(choosePreview(ledger, PREVIEW_BUDGET, 5, 28, 249, null)).toBe('none')
    // 8 % of 150 ms is 12 ms: a 10 ms preview fits, a 10 + 25 ms decode does not; at 500 ms it does.
    expect(choosePreview({ ...ledger, lastMs: -250 }, PREVIEW_BUDGET, 5, 28, 150, 25)).toBe('latent')
    expect(choosePreview(ledger, PREVIEW_BUDGET, 5, 28, 500, 25)).toBe('decode')
    expect(choosePreview(ledger, PREVIEW_BUDGET, 25, 28, 500, 25)).toBe('latent')
    expect(choosePreview({ ...ledger, lastMs: -250, spentMs: 5 }, PREVIEW_BUDGET, 5, 28, 150, 25)).toBe('none')
  })
})

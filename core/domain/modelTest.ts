/**
 * A model's one-click test run: the smallest real job the engine can do with it — one step of
 * text-to-image at its smallest preferred resolution, with an instruction it can read (a
 * closed-vocabulary model gets words from its own vocabulary) — and how its outcome is said.
 * Shared by `kontext models test` and the Models page, so both run and report the same thing.
 */
import type { ModelSummary } from './engineTypes'

export interface TestRunJob {
  readonly model: string
  readonly prompt: string
  readonly contexts: readonly Uint8Array[]
  readonly seed: number
  readonly steps: number
  readonly guidance: number
  readonly width: number
  readonly height: number
}

export interface TestRunResult {
  readonly id: string
  readonly ok: boolean
  /** The provider the graphs ran on (null when it failed before any ran). */
  readonly provider: string | null
  readonly width: number
  readonly height: number
  readonly steps: number
  /** Wall time of the whole run, loading included. */
  readonly ms: number
  /** Why it failed, in words (with what to do), or null. */
  readonly reason: string | null
}

const OPEN_PROMPT = 'a red apple on a wooden table'

export function testRunJob(m: ModelSummary): TestRunJob {
  const [width, height] = [...m.resolutions].sort((a, b) => a[0] * a[1] - b[0] * b[1] || a[0] - b[0])[0] ?? [512, 512]
  const prompt = m.vocabulary ? m.vocabulary.slice(0, 3).join(' ') : OPEN_PROMPT
  return { model: m.id, prompt, contexts: [], seed: 1, steps: 1, guidance: m.defaultGuidance, width, height }
}

export function testRunLine(r: TestRunResult): string {
  const secs = `${(r.ms / 1000).toFixed(1)} s`
  return r.ok
    ? `${r.id}: test run OK — ${r.steps} step at ${r.width}×${r.height} on ${r.provider ?? 'unknown'} in ${secs}.`
    : `${r.id}: test run FAILED after ${secs}${r.provider ? ` on ${r.provider}` : ''}: ${r.reason ?? 'unknown reason'}`
}

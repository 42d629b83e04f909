/** What happened to each item, and the summary `kontext batch` prints (text or --json). */
import type { StudioErrorData } from '../../core/result'

export type ItemOutcome =
  | { readonly name: string; readonly key: string; readonly ok: true; readonly out: string }
  | { readonly name: string; readonly key: string; readonly ok: false; readonly error: StudioErrorData }

export interface BatchSummary {
  readonly ok: boolean
  readonly total: number
  readonly done: number
  readonly failed: number
  readonly items: readonly ItemOutcome[]
}

export function summarize(items: readonly ItemOutcome[]): BatchSummary {
  const done = items.filter((i) => i.ok).length
  return { ok: done === items.length, total: items.length, done, failed: items.length - done, items }
}

export function summaryText(s: BatchSummary, outDir: string): string {
  const lines = [`batch: ${s.done} of ${s.total} done, ${s.failed} failed → ${outDir}`]
  for (const i of s.items) if (!i.ok) lines.push(`  failed ${i.name}: ${i.error.message}${i.error.hint ? ` (${i.error.hint})` : ''}`)
  return lines.join('\n') + '\n'
}

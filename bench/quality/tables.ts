/** Markdown tables of the quality benchmark. */
import type { Summary, TurnSummary } from './evaluate'

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)}%`)
const db = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(1))

export function summaryTable(title: string, rows: readonly Summary[]): string {
  const head = `| ${title} | n | edit correct | PSNR (dB) | AE ceiling: correct | AE ceiling: PSNR (dB) |\n|---|---:|---:|---:|---:|---:|`
  return [head, ...rows.map((r) => `| ${r.group} | ${r.n} | ${pct(r.ok)} | ${db(r.psnr)} | ${pct(r.aeOk)} | ${db(r.aePsnr)} |`)].join('\n')
}

export function driftTable(rows: readonly TurnSummary[], chains: number): string {
  const head = `| turn | chains fully correct (of ${chains}) | this turn correct | PSNR vs true chain (dB) |\n|---:|---:|---:|---:|`
  return [head, ...rows.map((r) => `| ${r.turn} | ${pct(r.chainOk)} | ${pct(r.turnOk)} | ${db(r.psnr)} |`)].join('\n')
}

/** The chain goals in one line: chains fully right after the last turn, and the PSNR fall from turn 1. */
export function chainSummary(rows: readonly TurnSummary[]): string {
  const first = rows[0]
  const last = rows.at(-1)
  if (!first || !last) return ''
  return `${last.turn}-edit chains fully right: ${pct(last.chainOk)}; PSNR vs the true chain ${db(first.psnr)} → ${db(last.psnr)} dB (a fall of ${db(first.psnr - last.psnr)} dB over ${last.turn} turns).`
}

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

/**
 * `kontext models import DIR` on the FLUX.1 Kontext [dev] ONNX export: adapts it in place
 * (engine/export/) and says exactly what was written and changed. The folder is then a model
 * folder (`--model DIR`); nothing is copied into the store.
 */
import { toErrorData } from '../../core/result'
import { findOnnxExport, importOnnxExport, type ExportImport } from '../export/onnxExport'
import { EXIT, reportError, type CliContext } from './context'

function describe(r: ExportImport): string {
  const lines = [`${r.manifest.id}: the ONNX export in ${r.dir} is imported (weights files untouched).`]
  for (const g of r.graphs) {
    const cast = g.changes.length
      ? `${g.changes.map((c) => `${c.side} ${c.name} ${c.from}→float32`).join(', ')}`
      : 'boundaries already float32'
    lines.push(`  ${g.component.padEnd(12)} ${g.file} (from ${g.source}): ${cast}`)
  }
  lines.push(
    `  ${'autoencoder'.padEnd(12)} ${r.autoencoder.encoder}, ${r.autoencoder.decoder} (built from ${r.autoencoder.from.join(', ')})`,
  )
  lines.push(`  Run it with: kontext edit --model ${r.dir} …; \`kontext models validate ${r.dir} --provider P\` checks it on a provider.`)
  return lines.join('\n') + '\n'
}

export function importOnnxExportCommand(dir: string, json: boolean, ctx: CliContext): number {
  const found = findOnnxExport(dir)
  if (!found.ok) return reportError(ctx, found.error, json)
  try {
    const r = importOnnxExport(found.value)
    if (json)
      ctx.out(
        JSON.stringify({ ok: true, id: r.manifest.id, dir: r.dir, imported: { graphs: r.graphs, autoencoder: r.autoencoder } }) + '\n',
      )
    else ctx.out(describe(r))
    return EXIT.ok
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  }
}

/**
 * `kontext models import DIR [--provider P]` on the FLUX.1 Kontext [dev] ONNX export: plans each
 * graph's precision for the provider it will run on (the one given, else the first the ladder
 * has), adapts the folder in place (engine/export/) and says exactly what was written, converted
 * and changed. The folder is then a model folder (`--model DIR`); nothing is copied into the store.
 */
import { toErrorData } from '../../core/result'
import { findOnnxExport, importOnnxExport, type ExportImport, type ImportedGraph } from '../export/onnxExport'
import { checkModelId } from '../models/store'
import { resolveLadder } from '../sessions'
import { EXIT, reportError, type CliContext } from './context'

function fp16Line(g: ImportedGraph): string {
  if (!g.fp16) return ''
  const c = g.fp16.counts
  return `; ${g.fp16.tensors} bf16 weights (${c.values} values) converted to fp16 into ${g.fp16.data}: ${c.clamped} clamped to ±65504, ${c.flushed} flushed to zero${c.nonFinite ? `, ${c.nonFinite} NaN/Inf kept` : ''}`
}

function describe(r: ExportImport, provider: string): string {
  const lines = [`${r.manifest.id}: the ONNX export in ${r.dir} is imported for ${provider} (original graphs and weights files untouched).`]
  for (const g of r.graphs) {
    const cast = g.changes.length ? g.changes.map((c) => `${c.side} ${c.name} ${c.from}→float32`).join(', ') : 'boundaries already float32'
    lines.push(`  ${g.component.padEnd(12)} ${g.file} (from ${g.source}): ${g.plan.note}; ${cast}${fp16Line(g)}`)
  }
  lines.push(
    `  ${'autoencoder'.padEnd(12)} ${r.autoencoder.encoder}, ${r.autoencoder.decoder} (built from ${r.autoencoder.from.join(', ')})`,
  )
  lines.push(`  Run it with: kontext edit --model ${r.dir} …; \`kontext models validate ${r.dir} --provider P\` checks it on a provider.`)
  return lines.join('\n') + '\n'
}

export function importOnnxExportCommand(
  dir: string,
  requested: string | undefined,
  id: string | undefined,
  json: boolean,
  ctx: CliContext,
): number {
  const ladder = resolveLadder(requested)
  if (!ladder.ok) return reportError(ctx, ladder.error, json)
  const provider = ladder.value[0]!
  const found = findOnnxExport(dir)
  if (!found.ok) return reportError(ctx, found.error, json)
  try {
    const r = importOnnxExport(found.value, provider, id === undefined ? undefined : checkModelId(id))
    if (!r.ok) return reportError(ctx, r.error, json)
    if (json)
      ctx.out(
        JSON.stringify({
          ok: true,
          id: r.value.manifest.id,
          dir: r.value.dir,
          provider,
          imported: { graphs: r.value.graphs, autoencoder: r.value.autoencoder },
        }) + '\n',
      )
    else ctx.out(describe(r.value, provider))
    return EXIT.ok
  } catch (e) {
    return reportError(ctx, toErrorData(e, 'model.invalid'), json)
  }
}

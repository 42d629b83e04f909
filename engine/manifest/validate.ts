/**
 * Manifest validation: schema, cross-field rules and files on disk, then (once sessions exist)
 * the graphs' real inputs and outputs. Every problem is collected and reported at once, so a
 * broken model folder is fixed in one round trip rather than one error at a time.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { err, ok, studioError, type Result } from '../../core/result'
import { manifestSchema, type GraphSpec, type ModelManifest, type TensorSpec } from './schema'

export const MANIFEST_FILE = 'model.json'

/** What a loaded graph really has (from the ONNX session), in the manifest's terms. */
export interface GraphIo {
  readonly inputs: readonly { name: string; dtype: string | null; rank: number | null }[]
  readonly outputs: readonly { name: string; dtype: string | null; rank: number | null }[]
}

const badModel = (dir: string, problems: readonly string[]) =>
  studioError(
    'model.invalid',
    `The model folder ${dir} is not usable: ${problems.length} problem${problems.length === 1 ? '' : 's'} — ${problems.join('; ')}.`,
    `Fix ${MANIFEST_FILE} or re-download the model; \`kontext models validate <folder>\` lists every problem.`,
  )

/** Rules the schema alone cannot express. */
export function checkManifestRules(m: ModelManifest): string[] {
  const problems: string[] = []
  const t = m.components.transformer
  const enc = m.components.textEncoders
  if (enc.filter((e) => e.graph.outputs.sequence).length !== 1)
    problems.push('exactly one text encoder must provide `sequence` (the transformer’s txt)')
  if (enc.filter((e) => e.graph.outputs.pooled).length !== 1)
    problems.push('exactly one text encoder must provide `pooled` (the transformer’s y)')
  if (m.guidance.mode === 'embedded' && !t.inputs.guidance) problems.push('guidance mode `embedded` needs a transformer input `guidance`')
  if (m.guidance.mode !== 'embedded' && t.inputs.guidance)
    problems.push(`guidance mode \`${m.guidance.mode}\` but the transformer declares a \`guidance\` input`)
  if (m.guidance.mode === 'cfg' && !m.guidance.negative)
    problems.push('guidance mode `cfg` needs `negative` (how to build the unconditional prompt)')
  for (const role of ['imgIds', 'txtIds'] as const) {
    const rank = t.inputs[role].rank
    if (rank !== 2 && rank !== 3) problems.push(`transformer input ${role} must have rank 2 (N, 3) or 3 (B, N, 3), not ${rank}`)
  }
  const unit = m.latent.downsample * m.latent.patch
  for (const [w, h] of m.resolutions)
    if (w % unit !== 0 || h % unit !== 0) problems.push(`resolution ${w}×${h} is not a multiple of ${unit} (downsample × patch)`)
  if (m.latent.previewRgb && m.latent.previewRgb.weights.length !== m.latent.channels) {
    problems.push(`latent.previewRgb has ${m.latent.previewRgb.weights.length} weight rows for ${m.latent.channels} channels`)
  }
  const axisSum = m.rope.axes.reduce((a, b) => a + b, 0)
  if (axisSum % 2 !== 0) problems.push(`rope.axes must sum to an even head dimension, got ${axisSum}`)
  return problems
}

/** Files the manifest names that are not in the folder. */
export function missingFiles(dir: string, m: ModelManifest): string[] {
  const files = [
    ...m.components.textEncoders.flatMap((e) => [e.graph.file, e.tokenizer.file]),
    m.components.transformer.file,
    m.components.vaeEncoder.file,
    m.components.vaeDecoder.file,
  ]
  return files.filter((f) => !existsSync(join(dir, f))).map((f) => `file ${f} is missing`)
}

/** Parses and checks a manifest object without touching the disk. */
export function parseManifest(raw: unknown): Result<ModelManifest, string[]> {
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) return err(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`))
  const rules = checkManifestRules(parsed.data)
  return rules.length ? err(rules) : ok(parsed.data)
}

/** Reads `dir/model.json` and checks schema, rules and files. */
export function loadManifest(dir: string): Result<ModelManifest> {
  const path = join(dir, MANIFEST_FILE)
  if (!existsSync(path)) {
    return err(
      studioError(
        'model.notFound',
        `No ${MANIFEST_FILE} in ${dir}.`,
        'Point at a model folder (it holds model.json beside the ONNX files).',
      ),
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    return err(badModel(dir, [`${MANIFEST_FILE} is not valid JSON (${e instanceof Error ? e.message : String(e)})`]))
  }
  const parsed = parseManifest(raw)
  if (!parsed.ok) return err(badModel(dir, parsed.error))
  const missing = missingFiles(dir, parsed.value)
  return missing.length ? err(badModel(dir, missing)) : ok(parsed.value)
}

function checkSide(
  file: string,
  side: 'input' | 'output',
  want: Record<string, TensorSpec | undefined>,
  have: GraphIo['inputs'],
): string[] {
  const problems: string[] = []
  const byName = new Map(have.map((h) => [h.name, h]))
  const found = have.map((h) => `\`${h.name}\``).join(', ') || 'none'
  for (const [role, spec] of Object.entries(want)) {
    if (!spec) continue
    const real = byName.get(spec.name)
    if (!real) {
      problems.push(`${file}: ${side} \`${spec.name}\` (${role}) missing; found ${found}`)
      continue
    }
    if (real.dtype !== null && real.dtype !== spec.dtype)
      problems.push(`${file}: ${side} \`${spec.name}\` is ${real.dtype}, the manifest says ${spec.dtype}`)
    if (real.rank !== null && real.rank !== spec.rank)
      problems.push(`${file}: ${side} \`${spec.name}\` has rank ${real.rank}, the manifest says ${spec.rank}`)
  }
  if (side === 'input') {
    const declared = new Set(Object.values(want).flatMap((s) => (s ? [s.name] : [])))
    for (const h of have)
      if (!declared.has(h.name)) problems.push(`${file}: graph input \`${h.name}\` is not in the manifest (the engine could not feed it)`)
  }
  return problems
}

/** Compares one graph's declared inputs/outputs with what its session really has. */
export function checkGraphIo(spec: GraphSpec, io: GraphIo): string[] {
  return [...checkSide(spec.file, 'input', spec.inputs, io.inputs), ...checkSide(spec.file, 'output', spec.outputs, io.outputs)]
}

export { badModel }

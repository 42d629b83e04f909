/**
 * Manifest validation: schema, cross-field rules and files on disk, then (once sessions exist)
 * the graphs' real inputs and outputs. Every problem is collected and reported at once, so a
 * broken model folder is fixed in one round trip rather than one error at a time.
 */
import { existsSync, lstatSync, readFileSync } from 'node:fs'
import { join, normalize } from 'node:path'
import type { z } from 'zod'
import { err, ok, studioError, type Result } from '../../core/result'
import { confineFile, outwardLinks, printableName } from './confine'
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

/** Every file the manifest names, with the field that names it. */
export function manifestFiles(m: ModelManifest): { field: string; name: string }[] {
  const c = m.components
  return [
    ...c.textEncoders.flatMap((e, i) => [
      { field: `components.textEncoders.${i}.graph.file`, name: e.graph.file },
      { field: `components.textEncoders.${i}.tokenizer.file`, name: e.tokenizer.file },
    ]),
    { field: 'components.transformer.file', name: c.transformer.file },
    { field: 'components.vaeEncoder.file', name: c.vaeEncoder.file },
    { field: 'components.vaeDecoder.file', name: c.vaeDecoder.file },
  ]
}

/**
 * Files the manifest names that are missing or not confined to the folder, and links anywhere in
 * the folder that point out of it (one problem each).
 */
export function fileProblems(dir: string, m: ModelManifest): string[] {
  const named = manifestFiles(m).flatMap(({ field, name }) => {
    const r = confineFile(dir, name, field)
    return r.ok ? [] : [r.error]
  })
  const reported = new Set(manifestFiles(m).map((f) => normalize(f.name)))
  const links = outwardLinks(dir)
    .filter((name) => !reported.has(name))
    .map(
      (name) =>
        `“${printableName(name)}” is a link out of the model folder (onnxruntime could read it as a graph's external weights); copy the file into the folder instead`,
    )
  return [...named, ...links]
}

/** A model.json larger than this is not a manifest (FLUX's is 4 KB); refused before reading. */
export const MAX_MANIFEST_BYTES = 1 << 20

/**
 * A zod issue as a sentence of ours: the field path and zod's message, minus anything taken
 * from the file itself (zod names unknown keys, which are the file's text).
 */
function issueText(i: z.core.$ZodIssue): string {
  const where = i.path.map((p) => printableName(String(p), 40)).join('.') || '(root)'
  if (i.code === 'unrecognized_keys') {
    const shown = i.keys.filter((k) => /^[A-Za-z0-9_-]{1,40}$/.test(k))
    const names = shown.length === i.keys.length ? `: ${shown.map((k) => `\`${k}\``).join(', ')}` : ''
    return `${where}: ${i.keys.length} unknown field${i.keys.length === 1 ? '' : 's'}${names}`
  }
  return `${where}: ${printableName(i.message, 200)}`
}

/** Parses and checks a manifest object without touching the disk. */
export function parseManifest(raw: unknown): Result<ModelManifest, string[]> {
  const parsed = manifestSchema.safeParse(raw)
  if (!parsed.success) return err(parsed.error.issues.map(issueText))
  const rules = checkManifestRules(parsed.data)
  return rules.length ? err(rules) : ok(parsed.data)
}

/**
 * JSON.parse's message quotes the text around the error; only its position is safe to repeat.
 * Shared with the tokenizer, which reads JSON from the same kind of folder.
 */
export function jsonErrorWhere(e: unknown): string {
  const msg = e instanceof Error ? e.message : ''
  const lc = /line (\d+) column (\d+)/.exec(msg)
  if (lc) return ` (at line ${lc[1]}, column ${lc[2]})`
  const pos = /position (\d+)/.exec(msg)
  if (pos) return ` (at character ${pos[1]})`
  return /end of (JSON )?input/i.test(msg) ? ' (it ends too early)' : ''
}

/** A confined file's text, or null when it cannot be read (permissions, a race with a delete). */
export function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

/** Reads `dir/model.json` and checks schema, rules and files. */
export function loadManifest(dir: string): Result<ModelManifest> {
  if (!existsSync(join(dir, MANIFEST_FILE))) {
    let linked = false
    try {
      linked = lstatSync(join(dir, MANIFEST_FILE)).isSymbolicLink()
    } catch {
      // Not there at all.
    }
    if (!linked)
      return err(
        studioError(
          'model.notFound',
          `No ${MANIFEST_FILE} in ${dir}.`,
          'Point at a model folder (it holds model.json beside the ONNX files).',
        ),
      )
  }
  const file = confineFile(dir, MANIFEST_FILE, MANIFEST_FILE)
  if (!file.ok) return err(badModel(dir, [file.error]))
  if (file.value.size > MAX_MANIFEST_BYTES)
    return err(badModel(dir, [`${MANIFEST_FILE} is ${file.value.size} bytes; a manifest is at most ${MAX_MANIFEST_BYTES}`]))
  const text = readText(file.value.path)
  if (text === null) return err(badModel(dir, [`${MANIFEST_FILE} cannot be read (check its permissions)`]))
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    return err(badModel(dir, [`${MANIFEST_FILE} is not valid JSON${jsonErrorWhere(e)}`]))
  }
  const parsed = parseManifest(raw)
  if (!parsed.ok) return err(badModel(dir, parsed.error))
  const files = fileProblems(dir, parsed.value)
  return files.length ? err(badModel(dir, files)) : ok(parsed.value)
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

/**
 * `kontext models inspect DIR`: what a folder of FLUX weights holds, detected by content — per
 * component the layout, files, precision and sizes, then every problem at once. Reads headers only.
 */
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { studioError } from '../../core/result'
import { BUNDLED_CLIP_MERGES } from '../tokenizers/bundled'
import { COMPONENTS, inspectModelFolder, type ComponentFound, type FolderInspection } from '../weights/detect'
import { EXIT, reportError, type CliContext } from './context'

const LAYOUT_NAMES = { bfl: 'BFL layout', diffusers: 'diffusers layout', transformers: 'transformers layout' } as const

function sizes(c: ComponentFound): string {
  const d = c.dims
  switch (c.kind) {
    case 'transformer':
      return `hidden ${d.hidden}, ${d.heads} heads of ${d.headDim}, ${d.depth} double + ${d.depthSingle} single blocks, ${d.inChannels} input channels`
    case 'autoencoder':
      return `${d.zChannels} latent channels, ${d.levels} levels; ${c.parts?.encoder ? 'encoder' : 'NO encoder'} + ${c.parts?.decoder ? 'decoder' : 'NO decoder'}`
    case 'clip':
      return `hidden ${d.hidden}, ${d.layers} layers`
    case 't5':
      return `d_model ${d.dModel}, ${d.blocks} blocks`
  }
}

function componentLines(c: ComponentFound, label: string): string {
  const files = c.files.length > 2 ? `${c.files[0]} (+${c.files.length - 1} shards)` : c.files.join(', ')
  const prefix = c.prefix ? ` under “${c.prefix}”` : ''
  return `  ${label.padEnd(13)} ${LAYOUT_NAMES[c.layout]}, ${c.precision.label} — ${files}${prefix}\n  ${''.padEnd(13)} ${c.variant}; ${sizes(c)}\n`
}

export function formatInspection(r: FolderInspection): string {
  let s = `${r.dir}\n`
  for (const kind of COMPONENTS) {
    const c = r.chosen[kind]
    s += c ? componentLines(c, kind) : `  ${kind.padEnd(13)} not found\n`
  }
  const others = r.components.filter((c) => r.chosen[c.kind] !== c)
  for (const c of others) s += componentLines(c, `(${c.usable ? 'also' : 'unusable'})`)
  const tok = (kind: 'clip' | 't5') => {
    const t = r.tokenizers.find((x) => x.kind === kind && !x.problems.length)
    return t ? (t.source === 'bundled' ? 'bundled CLIP-L merges' : `${t.where}/`) : 'not found'
  }
  s += `  ${'tokenizers'.padEnd(13)} CLIP: ${tok('clip')} · T5: ${tok('t5')}\n`
  for (const g of r.onnx)
    s += `  ${'onnx'.padEnd(13)} ${g.file} (${g.role}${g.externalData.length ? `, data in ${g.externalData.join(', ')}` : ''})\n`
  if (r.unrecognised.length) s += `  ${'unrecognised'.padEnd(13)} ${r.unrecognised.join(', ')}\n`
  if (r.problems.length) s += `Problems:\n${r.problems.map((p) => `  - ${p}\n`).join('')}`
  else s += 'All components found: `kontext edit --model DIR` builds the graphs from these files.\n'
  return s
}

/** The inspection without tensor tables, for --json. */
function toJson(r: FolderInspection): unknown {
  const plain = (c: ComponentFound) => ({ ...c, tensors: c.tensors.size })
  return {
    ok: r.usable,
    dir: r.dir,
    chosen: Object.fromEntries(Object.entries(r.chosen).map(([k, c]) => [k, plain(c)])),
    components: r.components.map(plain),
    tokenizers: r.tokenizers,
    onnx: r.onnx,
    unrecognised: r.unrecognised,
    unreadable: r.unreadable,
    problems: r.problems,
  }
}

export function inspect(dir: string | undefined, json: boolean, ctx: CliContext): number {
  if (!dir) return reportError(ctx, studioError('cli.usage', 'models inspect needs a folder.', 'kontext models inspect <folder>'), json)
  const full = resolve(ctx.cwd, dir)
  if (!existsSync(full) || !statSync(full).isDirectory())
    return reportError(ctx, studioError('model.notFound', `${dir}: no such folder.`), json)
  const r = inspectModelFolder(full, { bundledClipMerges: BUNDLED_CLIP_MERGES })
  ctx.out(json ? JSON.stringify(toJson(r)) + '\n' : formatInspection(r))
  return r.usable ? EXIT.ok : EXIT.model
}

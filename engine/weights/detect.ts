/**
 * Model-folder detection by content: every safetensors file (or sharded index) is classified by its
 * tensor names and shapes, wherever it sits and whatever it is called, and the folder's report says
 * per component what was found, where, in which precision, and everything that is missing or wrong
 * — all at once. Only headers are read.
 */
import { existsSync } from 'node:fs'
import { relative as relativePath, resolve } from 'node:path'
import { bflTransformer, diffusersTransformer, type ComponentKind, type LayoutDef, type LayoutName } from './layouts'
import { bflAutoencoder, diffusersAutoencoder } from './layoutsAe'
import { clipText, t5Encoder } from './layoutsText'
import { scanOnnx, type OnnxGraphFound } from './onnxScan'
import { precisionOf, type Precision } from './precision'
import { readSafetensorsHeader, type TensorInfo } from './safetensors'
import { readShardedHeader, shardFilesOf } from './sharded'
import { scanClipTokenizer, scanTokenizerJson, type TokenizerFound } from './tokenizerScan'
import { walkModelFolder } from './walk'

export const LAYOUTS: readonly LayoutDef[] = [
  bflTransformer,
  diffusersTransformer,
  bflAutoencoder,
  diffusersAutoencoder,
  clipText,
  t5Encoder,
]
export const COMPONENTS: readonly ComponentKind[] = ['transformer', 'autoencoder', 'clip', 't5']

export interface ComponentFound {
  readonly kind: ComponentKind
  readonly layout: LayoutName
  /** Files holding it, relative to the folder (the index first for sharded checkpoints). */
  readonly files: readonly string[]
  /** Name prefix inside the file (`model.diffusion_model.` in ComfyUI checkpoints; usually empty). */
  readonly prefix: string
  readonly variant: string
  readonly dims: Readonly<Record<string, number>>
  readonly precision: Precision
  readonly parts?: { encoder: boolean; decoder: boolean }
  readonly missing: readonly string[]
  readonly misshapen: readonly string[]
  readonly problems: readonly string[]
  readonly usable: boolean
  /** The component's tensors, names relative to the component (prefix stripped), for the graph builder. */
  readonly tensors: ReadonlyMap<string, TensorInfo>
}

export interface FolderInspection {
  readonly dir: string
  /** Every component found, usable ones first per kind. */
  readonly components: readonly ComponentFound[]
  /** The component each kind would use (the first usable), if any. */
  readonly chosen: Partial<Record<ComponentKind, ComponentFound>>
  readonly tokenizers: readonly TokenizerFound[]
  readonly onnx: readonly OnnxGraphFound[]
  /** Safetensors files with no FLUX component in them. */
  readonly unrecognised: readonly string[]
  /** Files that could not be read, with why. */
  readonly unreadable: readonly { file: string; message: string }[]
  /** Everything that stops the folder from running FLUX.1 Kontext [dev], all at once. */
  readonly problems: readonly string[]
  readonly usable: boolean
}

export interface DetectOptions {
  /** The CLIP merges shipped with the studio, used when the folder has no CLIP tokenizer. */
  readonly bundledClipMerges?: string
}

/** Components inside one set of tensors (one file or one sharded checkpoint), by anchor prefixes. */
export function classifyTensors(tensors: ReadonlyMap<string, TensorInfo>, files: readonly string[]): ComponentFound[] {
  const found: ComponentFound[] = []
  for (const def of LAYOUTS) {
    const prefixes = new Set<string>()
    for (const name of tensors.keys()) {
      for (const anchor of def.anchors) {
        if (!name.endsWith(anchor)) continue
        const prefix = name.slice(0, name.length - anchor.length)
        if (prefix === '' || prefix.endsWith('.')) prefixes.add(prefix)
      }
    }
    for (const prefix of prefixes) {
      const view = new Map<string, TensorInfo>()
      for (const [name, t] of tensors) if (name.startsWith(prefix)) view.set(name.slice(prefix.length), t)
      const a = def.analyse(view)
      const usable = a.missing.length === 0 && a.misshapen.length === 0 && a.problems.length === 0
      found.push({ kind: def.kind, layout: def.layout, files, prefix, ...a, precision: precisionOf(view.values()), usable, tensors: view })
    }
  }
  return found
}

/** Cross-component checks: the transformer's input widths must match the encoders and the autoencoder (best candidates, usable or not). */
function consistency(chosen: FolderInspection['chosen']): string[] {
  const out: string[] = []
  const tr = chosen.transformer?.dims
  if (!tr) return out
  const t5 = chosen.t5?.dims
  const clip = chosen.clip?.dims
  const ae = chosen.autoencoder?.dims
  if (t5 && t5.dModel !== tr.contextIn) out.push(`The T5 encoder gives ${t5.dModel}-wide states but the transformer takes ${tr.contextIn}.`)
  if (clip && clip.hidden !== tr.vecIn) out.push(`The CLIP model gives ${clip.hidden}-wide vectors but the transformer takes ${tr.vecIn}.`)
  if (ae && 4 * ae.zChannels! !== tr.inChannels)
    out.push(`The autoencoder has ${ae.zChannels} latent channels but the transformer takes ${tr.inChannels} (4 per channel).`)
  return out
}

const HINTS: Record<ComponentKind, string> = {
  transformer: 'add the transformer (flux1-kontext-dev.safetensors, or the diffusers transformer/ folder)',
  autoencoder: 'add the autoencoder (ae.safetensors, or the diffusers vae/ folder)',
  clip: 'add the CLIP-L text encoder (clip_l.safetensors, or the diffusers text_encoder/ folder)',
  t5: 'add the T5-XXL encoder (t5xxl_fp16.safetensors, or the diffusers text_encoder_2/ folder)',
}

function describe(c: ComponentFound): string[] {
  const what = `${c.kind} in ${c.files[0]}`
  const out: string[] = []
  if (c.missing.length) out.push(`The ${what} lacks ${c.missing.length} tensor(s), e.g. ${c.missing.slice(0, 3).join(', ')}.`)
  if (c.misshapen.length)
    out.push(`The ${what} has ${c.misshapen.length} tensor(s) of the wrong shape, e.g. ${c.misshapen.slice(0, 2).join('; ')}.`)
  for (const p of c.problems) out.push(`The ${what}: ${p}`)
  return out
}

export function inspectModelFolder(dirIn: string, options: DetectOptions = {}): FolderInspection {
  const dir = resolve(dirIn)
  const rel = (p: string) => relativePath(dir, p) || '.'
  const files = walkModelFolder(dir)
  const components: ComponentFound[] = []
  const unrecognised: string[] = []
  const unreadable: { file: string; message: string }[] = []
  const sharded = new Set<string>()
  for (const index of files.indexes) {
    try {
      // Claim the shards first, so a broken set is reported once, not again shard by shard.
      shardFilesOf(index).forEach((f) => sharded.add(f))
      const h = readShardedHeader(index)
      const found = classifyTensors(h.tensors, [rel(index), ...h.shards.map((s) => rel(s.file))])
      if (found.length) components.push(...found)
      else unrecognised.push(rel(index))
    } catch (e) {
      unreadable.push({ file: rel(index), message: (e as Error).message })
    }
  }
  for (const file of files.safetensors) {
    if (sharded.has(file)) continue
    try {
      const found = classifyTensors(readSafetensorsHeader(file).tensors, [rel(file)])
      if (found.length) components.push(...found)
      else unrecognised.push(rel(file))
    } catch (e) {
      unreadable.push({ file: rel(file), message: (e as Error).message })
    }
  }
  components.sort((a, b) => COMPONENTS.indexOf(a.kind) - COMPONENTS.indexOf(b.kind) || Number(b.usable) - Number(a.usable))
  const chosen: FolderInspection['chosen'] = {}
  for (const kind of COMPONENTS) {
    const c = components.find((x) => x.kind === kind && x.usable)
    if (c) chosen[kind] = c
  }
  const tokenizers: TokenizerFound[] = []
  for (const v of files.vocabJson) {
    const t = scanClipTokenizer(v, rel)
    if (t) tokenizers.push(t)
  }
  for (const j of files.tokenizerJson) {
    const t = scanTokenizerJson(j, rel)
    if (t) tokenizers.push(t)
  }
  if (
    !tokenizers.some((t) => t.kind === 'clip' && !t.problems.length) &&
    options.bundledClipMerges &&
    existsSync(options.bundledClipMerges)
  ) {
    tokenizers.push({ kind: 'clip', source: 'bundled', where: 'bundled CLIP-L merges', problems: [] })
  }
  const onnx = files.onnx.map((f) => scanOnnx(f, rel))
  const problems: string[] = []
  for (const kind of COMPONENTS) {
    if (chosen[kind]) continue
    const broken = components.filter((c) => c.kind === kind)
    if (broken.length) problems.push(...broken.flatMap(describe))
    else problems.push(`No ${kind} found: ${HINTS[kind]}.`)
  }
  const best: FolderInspection['chosen'] = {}
  for (const kind of COMPONENTS) {
    const c = chosen[kind] ?? components.find((x) => x.kind === kind)
    if (c) best[kind] = c
  }
  problems.push(...consistency(best))
  if (!tokenizers.some((t) => t.kind === 'clip' && !t.problems.length))
    problems.push('No CLIP tokenizer: add the diffusers tokenizer/ folder (vocab.json + merges.txt).')
  if (!tokenizers.some((t) => t.kind === 't5' && !t.problems.length)) {
    problems.push(
      'No T5 tokenizer: copy the tokenizer_2/ folder (its tokenizer.json) of the FLUX.1 Kontext [dev] release into this folder; ComfyUI folders do not include one.',
    )
  }
  if (onnx.length && !chosen.transformer) {
    problems.push(
      `${onnx.length} ONNX graph(s) found: an ONNX export runs once imported — \`kontext models import DIR\` casts its bfloat16 boundaries to float32 and builds the autoencoder from ae.safetensors.`,
    )
  }
  for (const u of unreadable) problems.push(`Unreadable: ${u.message}`)
  return { dir, components, chosen, tokenizers, onnx, unrecognised, unreadable, problems, usable: problems.length === 0 }
}

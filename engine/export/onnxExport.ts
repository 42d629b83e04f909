/**
 * The FLUX.1 Kontext [dev] ONNX export (`FLUX.1-Kontext-dev-onnx`: `clip.opt/`, `t5.opt/`,
 * `transformer.opt/<precision>/`, graphs found by their input names) made runnable at import:
 *
 * - each graph's 16-bit boundaries are rewritten to float32 (`boundaries.ts`) and the graph is
 *   written beside the original as `model.kontext.onnx`, so its external-data references (relative
 *   to the graph's folder) still point at the same, untouched weights file;
 * - the export has no autoencoder: the encoder (posterior mean) and decoder are built from the
 *   folder's `ae.safetensors` with the engine's own builders into `vae.kontext/`;
 * - a `model.json` names all of it, with the tokenizers of the diffusers release (`tokenizer/`
 *   vocab + merges, `tokenizer_2/` T5), so the folder then runs like any manifest folder.
 *
 * Nothing else in the folder is written or changed. Every missing piece is reported at once.
 */
import { existsSync, mkdirSync, statSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, dirname, join, parse, resolve } from 'node:path'
import onnxProto, { type onnx } from 'onnx-proto'
import { err, ok, studioError, type Result } from '../../core/result'
import { buildComponent } from '../graph/components'
import { writeGraphFiles } from '../graph/graphFiles'
import { readerTensorSource } from '../graph/tensorSource'
import fluxManifest from '../manifests/flux1-kontext-dev.json'
import { manifestSchema, type ModelManifest } from '../manifest/schema'
import { MANIFEST_FILE } from '../manifest/validate'
import { readCheckpointConfig, type CheckpointConfig } from '../pipeline/checkpointFolder'
import { openComponent, inspectModelFolder, type ComponentFound } from '../weights/index'
import type { OnnxGraphFound } from '../weights/onnxScan'
import type { Fp16Counts } from '../precision/bf16ToFp16'
import { planPrecision, storedDtypeOf, type PrecisionPlan } from '../precision/plan'
import type { ProviderName } from '../sessions'
import { floatBoundaries, type BoundaryChange } from './boundaries'
import { bf16GraphToFp16, weightBytesByDtype } from './fp16Graph'

const { ModelProto } = onnxProto.onnx

/** The adapted graph's name, beside the original (external data is resolved from the graph's folder). */
export const ADAPTED_GRAPH = 'model.kontext.onnx'
/** Where the autoencoder built from ae.safetensors goes. */
export const AE_DIR = 'vae.kontext'
/** Transformer precisions in the order they are preferred (bf16 is the one onnxruntime can run). */
const PRECISION_ORDER = ['bf16', 'fp8', 'fp4']

export interface ExportFound {
  readonly dir: string
  readonly clip: OnnxGraphFound
  readonly t5: OnnxGraphFound
  readonly transformer: OnnxGraphFound
  /** The precision folder the transformer came from (`bf16`, `fp8`, `fp4`), if the path says. */
  readonly precision: string | null
  readonly autoencoder: ComponentFound
  readonly clipTokenizer: string
  readonly t5Tokenizer: string
  readonly config: CheckpointConfig
}

export interface ImportedGraph {
  readonly component: 'clip' | 't5' | 'transformer'
  readonly source: string
  readonly file: string
  readonly changes: readonly BoundaryChange[]
  /** What runs on the provider imported for, and the conversion done. */
  readonly plan: PrecisionPlan & { ok: true }
  /** When bf16 weights were converted: the new data file and what the conversion lost. */
  readonly fp16?: { readonly data: string; readonly tensors: number; readonly counts: Fp16Counts }
}

export interface ExportImport {
  readonly dir: string
  readonly graphs: readonly ImportedGraph[]
  readonly autoencoder: { readonly from: readonly string[]; readonly encoder: string; readonly decoder: string }
  readonly manifest: ModelManifest
}

const ours = (g: OnnxGraphFound) => basename(g.file) === ADAPTED_GRAPH || g.file.split(/[\\/]/)[0] === AE_DIR

/** True when `dir` holds an ONNX export's transformer graph (by its inputs), adapted or not. */
export function looksLikeOnnxExport(dirIn: string): boolean {
  const dir = resolve(dirIn)
  // Not the home folder or a disk's root: walking those takes minutes (the linking path refuses them).
  if (!existsSync(dir) || !statSync(dir).isDirectory() || dir === homedir() || dir === parse(dir).root) return false
  return inspectModelFolder(dir).onnx.some((g) => g.role === 'transformer' && !ours(g))
}

const precisionOf = (file: string): string | null => PRECISION_ORDER.find((p) => file.split(/[\\/]/).includes(p)) ?? null

/** What an export folder holds and what it lacks, every missing piece at once. */
export function findOnnxExport(dirIn: string): Result<ExportFound> {
  const dir = resolve(dirIn)
  const r = inspectModelFolder(dir)
  const graphs = r.onnx.filter((g) => !ours(g))
  const problems: string[] = []
  const one = (role: OnnxGraphFound['role'], what: string): OnnxGraphFound | undefined => {
    const all = graphs.filter((g) => g.role === role)
    const rank = (g: OnnxGraphFound) => {
      const p = precisionOf(g.file)
      return p === null ? PRECISION_ORDER.length : PRECISION_ORDER.indexOf(p)
    }
    const g = all.sort((a, b) => rank(a) - rank(b))[0]
    if (!g) problems.push(`No ${what} graph found (the export's ${role}.opt/model.onnx).`)
    // A bf16 boundary is what the import fixes; every other problem stays one.
    else problems.push(...g.problems.filter((p) => !p.startsWith('bfloat16 at its boundary')).map((p) => `${g.file}: ${p}`))
    return g
  }
  const transformer = one('transformer', 'transformer')
  const clip = one('clip', 'CLIP text encoder')
  const t5 = one('t5', 'T5 text encoder')
  const ae = r.components.find((c) => c.kind === 'autoencoder' && c.usable && c.layout === 'bfl')
  if (!ae)
    problems.push(
      'No autoencoder: the ONNX export has none; copy ae.safetensors from the FLUX.1-Kontext-dev release into this folder (the engine builds the encoder and decoder from it).',
    )
  const clipTok = r.tokenizers.find((t) => t.kind === 'clip' && t.source === 'folder' && !t.problems.length)
  const t5Tok = r.tokenizers.find((t) => t.kind === 't5' && t.source === 'folder' && !t.problems.length)
  if (!clipTok)
    problems.push(
      'No CLIP tokenizer: copy the tokenizer/ folder (vocab.json + merges.txt) of the FLUX.1-Kontext-dev release into this folder.',
    )
  if (!t5Tok)
    problems.push('No T5 tokenizer: copy the tokenizer_2/ folder (tokenizer.json) of the FLUX.1-Kontext-dev release into this folder.')
  const cfg = readCheckpointConfig(dir)
  if (!cfg.ok) problems.push(cfg.error.message)
  if (problems.length || !transformer || !clip || !t5 || !ae || !clipTok || !t5Tok || !cfg.ok)
    return err(
      studioError(
        'model.invalid',
        `${dir} is not an ONNX export the engine can import: ${problems.join(' ')}`,
        `\`kontext models inspect ${dir}\` shows what was found.`,
      ),
    )
  return ok({
    dir,
    clip,
    t5,
    transformer,
    precision: precisionOf(transformer.file),
    autoencoder: ae,
    clipTokenizer: clipTok.where,
    t5Tokenizer: t5Tok.where,
    config: cfg.value,
  })
}

/** The data file bf16 weights are converted into, beside the graph (the original is only read). */
export const FP16_DATA = 'weights.kontext-fp16.onnx_data'

interface PlannedGraph {
  readonly component: ImportedGraph['component']
  readonly found: OnnxGraphFound
  readonly model: onnx.IModelProto
  readonly plan: PrecisionPlan
}

/** Reads a graph (graph-only files are small; weights stay in their data file) and plans its precision. */
export function planGraph(dir: string, component: ImportedGraph['component'], g: OnnxGraphFound, provider: ProviderName): PlannedGraph {
  const model = ModelProto.decode(readFileSync(join(dir, g.file)))
  const stored = storedDtypeOf(weightBytesByDtype(model))
  return { component, found: g, model, plan: planPrecision({ provider, component, stored, source: 'onnx' }) }
}

/**
 * Writes one planned graph as `model.kontext.onnx` beside it (whole, then renamed): bf16 weights
 * converted to fp16 first where the plan says so, then float32 casts at its boundaries.
 */
export function adaptGraph(dir: string, p: PlannedGraph): ImportedGraph {
  if (!p.plan.ok) throw new Error(`${p.found.file}: ${p.plan.reason}`)
  const graphDir = join(dir, dirname(p.found.file))
  let model = p.model
  let fp16: ImportedGraph['fp16']
  if (p.plan.conversion.kind === 'bf16-to-fp16-at-import') {
    const c = bf16GraphToFp16(model, graphDir, FP16_DATA)
    model = c.model
    fp16 = { data: join(dirname(p.found.file), FP16_DATA), tensors: c.tensors, counts: c.counts }
  }
  const { model: bounded, changes } = floatBoundaries(model)
  const file = join(dirname(p.found.file), ADAPTED_GRAPH)
  const tmp = join(dir, `${file}.partial-${process.pid}`)
  writeFileSync(tmp, ModelProto.encode(bounded).finish())
  renameSync(tmp, join(dir, file))
  return { component: p.component, source: p.found.file, file, changes, plan: p.plan, ...(fp16 ? { fp16 } : {}) }
}

const io = (name: string, rank: number, dtype: 'float32' | 'int32' = 'float32') => ({ name, dtype, rank })

/** The manifest of the imported folder: the export's names, float32 boundaries, our autoencoder. */
function importManifest(found: ExportFound, graphs: Record<ImportedGraph['component'], string>, id?: string): ModelManifest {
  const t = fluxManifest.components.transformer.inputs
  const cfg = found.config
  return manifestSchema.parse({
    ...fluxManifest,
    id: id ?? cfg.id ?? fluxManifest.id,
    name: cfg.name ?? fluxManifest.name,
    description:
      'The FLUX.1 Kontext [dev] ONNX export, imported: graph boundaries cast to float32 (weights untouched), the autoencoder built from ae.safetensors.',
    components: {
      textEncoders: [
        {
          name: 't5',
          tokenizer: {
            ...fluxManifest.components.textEncoders[0]!.tokenizer,
            file: join(found.t5Tokenizer, 'tokenizer.json'),
            format: 't5-unigram',
          },
          graph: { file: graphs.t5, inputs: { tokens: io('input_ids', 2, 'int32') }, outputs: { sequence: io('text_embeddings', 3) } },
        },
        {
          name: 'clip',
          tokenizer: {
            ...fluxManifest.components.textEncoders[1]!.tokenizer,
            file: join(found.clipTokenizer, 'vocab.json'),
            format: 'clip-bpe',
          },
          graph: { file: graphs.clip, inputs: { tokens: io('input_ids', 2, 'int32') }, outputs: { pooled: io('pooled_embeddings', 2) } },
        },
      ],
      transformer: {
        file: graphs.transformer,
        inputs: {
          img: io(t.img.name, 3),
          imgIds: io(t.imgIds.name, t.imgIds.rank),
          txt: io(t.txt.name, 3),
          txtIds: io(t.txtIds.name, t.txtIds.rank),
          pooled: io(t.pooled.name, 2),
          timestep: io(t.timestep.name, 1),
          guidance: io(t.guidance.name, 1),
        },
        outputs: { velocity: io(fluxManifest.components.transformer.outputs.velocity.name, 3) },
      },
      vaeEncoder: { file: `${AE_DIR}/encoder.onnx`, inputs: { image: io('x', 4) }, outputs: { latent: io('z', 4) } },
      vaeDecoder: { file: `${AE_DIR}/decoder.onnx`, inputs: { latent: io('z', 4) }, outputs: { image: io('x', 4) } },
    },
    // Our autoencoder graphs apply FLUX's scale/shift themselves (engine/graph/ae); its sizes are read from ae.safetensors.
    latent: {
      ...fluxManifest.latent,
      channels: found.autoencoder.dims.zChannels,
      downsample: 2 ** (found.autoencoder.dims.levels! - 1),
      normalisedInGraph: true,
      ...(found.autoencoder.dims.zChannels === fluxManifest.latent.channels ? {} : { previewRgb: undefined }),
    },
    resolutions: cfg.resolutions ?? fluxManifest.resolutions,
  })
}

/**
 * Adapts the export in `dir` in place (see the file comment) for `provider`; writes model.json
 * last. Every graph is planned first, so a combination that cannot run is refused, with the reason
 * and the alternative, before anything is converted or written.
 */
export function importOnnxExport(found: ExportFound, provider: ProviderName, id?: string): Result<ExportImport> {
  const { dir } = found
  const planned = [
    planGraph(dir, 'clip', found.clip, provider),
    planGraph(dir, 't5', found.t5, provider),
    planGraph(dir, 'transformer', found.transformer, provider),
  ]
  const refused = planned.flatMap((p) => (p.plan.ok ? [] : [`${p.found.file}: ${p.plan.reason}; ${p.plan.alternative}`]))
  if (refused.length)
    return err(
      studioError(
        'provider.unsupported',
        `The ONNX export in ${dir} cannot run on ${provider}: ${refused.join(' ')}.`,
        'Nothing was converted or written.',
      ),
    )
  const graphs = planned.map((p) => adaptGraph(dir, p))
  const aeDir = join(dir, AE_DIR)
  const tmp = `${aeDir}.partial-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const reader = openComponent(found.autoencoder)
  try {
    const src = readerTensorSource(reader)
    writeGraphFiles(buildComponent('ae-encode', src).graph, tmp, 'encoder')
    writeGraphFiles(buildComponent('ae-decode', src).graph, tmp, 'decoder')
  } finally {
    reader.close()
  }
  rmSync(aeDir, { recursive: true, force: true })
  renameSync(tmp, aeDir)
  const byComponent = Object.fromEntries(graphs.map((g) => [g.component, g.file])) as Record<ImportedGraph['component'], string>
  const manifest = importManifest(found, byComponent, id)
  writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n')
  return ok({
    dir,
    graphs,
    autoencoder: { from: found.autoencoder.files, encoder: `${AE_DIR}/encoder.onnx`, decoder: `${AE_DIR}/decoder.onnx` },
    manifest,
  })
}

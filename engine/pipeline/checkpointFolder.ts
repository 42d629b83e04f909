/**
 * A folder of FLUX.1 Kontext safetensors (the official release, a ComfyUI folder, anything
 * `inspectModelFolder` recognises by content) as an engine model: which components it uses, the
 * pipeline settings FLUX.1 samples with, and a manifest that describes the graphs the engine
 * builds from those tensors (so the rest of the engine lists and drives it like any model).
 *
 * An optional `kontext.json` says what the tensors cannot: RoPE axes (FLUX.1: 16/56/56), CLIP's
 * head count, the preferred resolutions, an id and a name. Everything else comes from the shapes.
 */
import { existsSync, readFileSync } from 'node:fs'
import { freemem } from 'node:os'
import { basename, join } from 'node:path'
import { z } from 'zod'
import { err, ok, studioError, type Result } from '../../core/result'
import fluxManifest from '../manifests/flux1-kontext-dev.json'
import { manifestSchema, type ModelManifest } from '../manifest/schema'
import { checkManifestRules } from '../manifest/validate'
import type { ComponentFound, FolderInspection } from '../weights/detect'
import { inspectModelFolder } from '../weights/index'
import { BUNDLED_CLIP_MERGES } from '../tokenizers/bundled'
import { fitJob, refusalText } from '../plan/fit'
import type { PlanQuantise, PlanTensors } from '../plan/memoryPlan'

export const CHECKPOINT_CONFIG_FILE = 'kontext.json'

const configSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -')
    .optional(),
  name: z.string().min(1).max(100).optional(),
  rope: z.strictObject({ axes: z.array(z.number().int().positive()).length(3), theta: z.number().positive() }).optional(),
  clipHeads: z.number().int().positive().optional(),
  resolutions: z
    .array(z.tuple([z.number().int().positive(), z.number().int().positive()]))
    .min(1)
    .optional(),
})
export type CheckpointConfig = z.infer<typeof configSchema>

export interface CheckpointFolder {
  readonly dir: string
  readonly inspection: FolderInspection
  readonly config: CheckpointConfig
  readonly parts: { transformer: ComponentFound; autoencoder: ComponentFound; clip: ComponentFound; t5: ComponentFound }
  readonly manifest: ModelManifest
  /** Bytes the float32 graphs' weights take once all four components are loaded. */
  readonly float32Bytes: number
}

const elements = (c: ComponentFound): number => {
  let n = 0
  for (const t of c.tensors.values()) n += t.shape.reduce((a, b) => a * b, 1)
  return n
}

/** The folder's tensors as the memory plan reads them (shapes and dtypes only). */
export const planTensorsOf = (parts: CheckpointFolder['parts']): PlanTensors => ({
  transformer: parts.transformer.tensors,
  autoencoder: parts.autoencoder.tensors,
  clip: parts.clip.tensors,
  t5: parts.t5.tensors,
})

/**
 * The precision a folder is checked against when it is opened, and `kontext models fit`'s default:
 * float32, what the CPU provider builds (a bf16/fp8 checkpoint takes 2–4× its file size in memory).
 * Conservative where a GPU provider gets the float16 transformer; each job is planned with the
 * precision its models really build (engineService.ts).
 */
export const BUILT_PRECISION = 'float32' as const

/**
 * Checked when the folder is opened: refused when not even the smallest preferred resolution,
 * without references and loading one phase at a time, fits in the memory free now (each job is
 * checked again against its own size and references before anything loads: engineService.ts).
 */
export function memoryRefusal(
  parts: CheckpointFolder['parts'],
  resolutions: readonly (readonly [number, number])[],
  freeBytes: number,
  quantise: PlanQuantise | null = null,
): string | null {
  const [w, h] = [...resolutions].sort((a, b) => a[0] * a[1] - b[0] * b[1])[0] ?? [512, 512]
  const req = { width: w, height: h, refs: 0, precision: BUILT_PRECISION, quantise }
  const f = fitJob(planTensorsOf(parts), req, freeBytes, { resolutions: [] })
  if (f.mode) return null
  const r = refusalText(f)
  return `${r.message} ${r.hint}`
}

/** `kontext.json` of a folder ({} when there is none); also read by the ONNX export's import. */
export function readCheckpointConfig(dir: string): Result<CheckpointConfig> {
  const path = join(dir, CHECKPOINT_CONFIG_FILE)
  if (!existsSync(path)) return ok({})
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return err(studioError('model.invalid', `${CHECKPOINT_CONFIG_FILE} in ${dir} is not readable JSON.`, 'Fix or remove the file.'))
  }
  const r = configSchema.safeParse(raw)
  if (!r.success)
    return err(
      studioError(
        'model.invalid',
        `${CHECKPOINT_CONFIG_FILE} in ${dir}: ${r.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`).join('; ')}.`,
        'Allowed keys: id, name, rope {axes, theta}, clipHeads, resolutions.',
      ),
    )
  return ok(r.data)
}

const folderId = (dir: string): string =>
  basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '') || 'flux-checkpoint'

/** The manifest of the graphs the engine builds (tensor names as engine/graph/ gives them). */
function builtManifest(dir: string, cfg: CheckpointConfig, parts: CheckpointFolder['parts']): ModelManifest {
  const f = (name: string, rank: number, dtype: 'float32' | 'int64' = 'float32') => ({ name, dtype, rank })
  const guidance =
    parts.transformer.tensors.has('guidance_in.in_layer.weight') ||
    parts.transformer.tensors.has('time_text_embed.guidance_embedder.linear_1.weight')
  const zChannels = parts.autoencoder.dims.zChannels!
  const downsample = 2 ** (parts.autoencoder.dims.levels! - 1)
  return manifestSchema.parse({
    id: cfg.id ?? folderId(dir),
    name: cfg.name ?? `FLUX.1 Kontext (${parts.transformer.variant}, ${basename(dir)})`,
    version: 1,
    description: 'Built by the engine from the safetensors in this folder (float32 graphs).',
    components: {
      textEncoders: [
        {
          name: 't5',
          tokenizer: { file: 'tokenizer.json', maxLength: 512, padding: 'max_length', padId: 0, closedVocabulary: false },
          graph: { file: 'built:t5', inputs: { tokens: f('input_ids', 2, 'int64') }, outputs: { sequence: f('hidden', 3) } },
        },
        {
          name: 'clip',
          tokenizer: { file: 'vocab.json', maxLength: 77, padding: 'max_length', padId: 49407, closedVocabulary: false },
          graph: { file: 'built:clip', inputs: { tokens: f('input_ids', 2, 'int64') }, outputs: { pooled: f('pooled', 2) } },
        },
      ],
      transformer: {
        file: 'built:transformer',
        inputs: {
          img: f('img', 3),
          imgIds: f('img_ids', 3),
          txt: f('txt', 3),
          txtIds: f('txt_ids', 3),
          pooled: f('y', 2),
          timestep: f('timesteps', 1),
          ...(guidance ? { guidance: f('guidance', 1) } : {}),
        },
        outputs: { velocity: f('pred', 3) },
      },
      vaeEncoder: { file: 'built:ae-encode', inputs: { image: f('x', 4) }, outputs: { latent: f('z', 4) } },
      vaeDecoder: { file: 'built:ae-decode', inputs: { latent: f('z', 4) }, outputs: { image: f('x', 4) } },
    },
    latent: {
      channels: zChannels,
      patch: 2,
      downsample,
      scale: 0.3611,
      shift: 0.1159,
      normalisedInGraph: true,
      ...(zChannels === 16 ? { previewRgb: fluxManifest.latent.previewRgb } : {}),
    },
    rope: {
      axes: cfg.rope?.axes ?? fluxManifest.rope.axes,
      theta: cfg.rope?.theta ?? fluxManifest.rope.theta,
      contextOffset: 1,
      maxContexts: fluxManifest.rope.maxContexts,
    },
    schedule: fluxManifest.schedule,
    defaults: fluxManifest.defaults,
    guidance: { mode: guidance ? 'embedded' : 'none' },
    resolutions: cfg.resolutions ?? fluxManifest.resolutions,
  })
}

/**
 * Prefer `layout` (BFL's is what the graph builders read); `also` is taken when it is all there is
 * (the diffusers transformer/ and vae/, read through BFL's names by engine/graph/diffusersSource.ts).
 */
function pick(
  r: FolderInspection,
  kind: ComponentFound['kind'],
  layout: ComponentFound['layout'],
  also?: ComponentFound['layout'],
): ComponentFound | undefined {
  const usable = (l: ComponentFound['layout']) => r.components.find((c) => c.kind === kind && c.usable && c.layout === l)
  return usable(layout) ?? (also ? usable(also) : undefined)
}

/** `quantise`: the weights the install record builds (the memory check counts those, not float32). */
export function openCheckpointFolder(
  dir: string,
  opts: { freeBytes?: number; quantise?: PlanQuantise | null } = {},
): Result<CheckpointFolder> {
  const cfg = readCheckpointConfig(dir)
  if (!cfg.ok) return cfg
  const inspection = inspectModelFolder(dir, { bundledClipMerges: BUNDLED_CLIP_MERGES })
  const problems = [...inspection.problems]
  const transformer = pick(inspection, 'transformer', 'bfl', 'diffusers')
  const autoencoder = pick(inspection, 'autoencoder', 'bfl', 'diffusers')
  const clip = pick(inspection, 'clip', 'transformers')
  const t5 = pick(inspection, 't5', 'transformers')
  const unusable = (message: string) =>
    err(studioError('model.invalid', `${dir}: ${message}`, `\`kontext models inspect ${dir}\` shows what was found.`))
  if (problems.length || !transformer || !autoencoder || !clip || !t5) return unusable(problems.join(' '))
  const parts = { transformer, autoencoder, clip, t5 }
  const float32Bytes = 4 * [transformer, autoencoder, clip, t5].reduce((n, c) => n + elements(c), 0)
  let manifest: ModelManifest
  try {
    manifest = builtManifest(dir, cfg.value, parts)
  } catch (e) {
    return unusable(`its settings do not fit together (${e instanceof Error ? e.message.slice(0, 300) : String(e)}).`)
  }
  const refusal = memoryRefusal(parts, manifest.resolutions, opts.freeBytes ?? freemem(), opts.quantise ?? null)
  if (refusal) return unusable(refusal)
  // Checked now, not at the first job: what kontext.json says must fit the tensors.
  const rules = checkManifestRules(manifest)
  const headDim = transformer.dims.headDim
  const axes = manifest.rope.axes
  if (headDim !== undefined && axes.reduce((a, b) => a + b, 0) !== headDim)
    rules.push(
      `the RoPE axes [${axes.join(', ')}] must sum to the transformer's head size ${headDim} (set rope.axes in ${CHECKPOINT_CONFIG_FILE})`,
    )
  if (rules.length) return unusable(`${rules.join('; ')}.`)
  return ok({ dir, inspection, config: cfg.value, parts, manifest, float32Bytes })
}

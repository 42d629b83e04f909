/**
 * The model manifest (`model.json` beside the ONNX files): everything the pipeline needs to know
 * about a model, so nothing model-specific is hard-coded. Tensor roles (`img`, `imgIds`, …) are
 * ours; each maps to the graph's real name, dtype and rank — the adapter idea of flux's
 * `__flux_to_dd__` name maps.
 */
import { z } from 'zod'

export const DTYPES = ['float32', 'float16', 'bfloat16', 'int64', 'int32'] as const

const tensorSpec = z.strictObject({
  name: z.string().min(1),
  dtype: z.enum(DTYPES),
  rank: z.number().int().min(0).max(6),
})
export type TensorSpec = z.infer<typeof tensorSpec>

const graphFile = <I extends z.ZodRawShape, O extends z.ZodRawShape>(inputs: I, outputs: O) =>
  z.strictObject({ file: z.string().min(1), inputs: z.strictObject(inputs), outputs: z.strictObject(outputs) })

const tokenizerSpec = z.strictObject({
  file: z.string().min(1),
  maxLength: z.number().int().positive(),
  /** `max_length` pads every prompt to maxLength (FLUX, kontext-tiny); `none` keeps its length. */
  padding: z.enum(['max_length', 'none']),
  padId: z.number().int().min(0),
  /** A closed vocabulary refuses unknown words with the list of known ones. */
  closedVocabulary: z.boolean(),
})

const textEncoder = z.strictObject({
  name: z.string().min(1),
  tokenizer: tokenizerSpec,
  graph: graphFile({ tokens: tensorSpec }, { sequence: tensorSpec.optional(), pooled: tensorSpec.optional() }),
})

const resolution = z.tuple([z.number().int().positive(), z.number().int().positive()])

const muRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), value: z.number() }),
  z.strictObject({
    kind: z.literal('linear'),
    baseSeqLen: z.number().positive(),
    baseShift: z.number(),
    maxSeqLen: z.number().positive(),
    maxShift: z.number(),
  }),
])

export const manifestSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
  name: z.string().min(1),
  version: z.literal(1),
  description: z.string().optional(),
  components: z.strictObject({
    textEncoders: z.array(textEncoder).min(1),
    transformer: graphFile(
      {
        img: tensorSpec,
        imgIds: tensorSpec,
        txt: tensorSpec,
        txtIds: tensorSpec,
        pooled: tensorSpec,
        timestep: tensorSpec,
        guidance: tensorSpec.optional(),
      },
      { velocity: tensorSpec },
    ),
    vaeEncoder: graphFile({ image: tensorSpec }, { latent: tensorSpec }),
    vaeDecoder: graphFile({ latent: tensorSpec }, { image: tensorSpec }),
  }),
  latent: z.strictObject({
    channels: z.number().int().positive(),
    patch: z.number().int().positive(),
    downsample: z.number().int().positive(),
    scale: z.number().positive(),
    shift: z.number(),
    /** True when the encoder/decoder graphs apply scale/shift themselves (kontext-tiny). */
    normalisedInGraph: z.boolean(),
    previewRgb: z.strictObject({ weights: z.array(z.array(z.number()).length(3)), bias: z.array(z.number()).length(3) }).optional(),
  }),
  rope: z.strictObject({
    axes: z.array(z.number().int().positive()).length(3),
    theta: z.number().positive(),
    /** Axis-0 id of the i-th context image is i·contextOffset (target 0, text 0). */
    contextOffset: z.number().int().positive(),
    maxContexts: z.number().int().min(0),
  }),
  schedule: z.strictObject({ mu: muRule }),
  defaults: z.strictObject({ steps: z.number().int().positive(), guidance: z.number().min(0) }),
  guidance: z.strictObject({
    /** embedded: one pass with a guidance input (FLUX [dev]); cfg: true CFG, two passes; none. */
    mode: z.enum(['embedded', 'cfg', 'none']),
    /** For cfg: the unconditional prompt is all padding tokens. */
    negative: z.enum(['allPad']).optional(),
  }),
  resolutions: z.array(resolution).min(1),
})

export type ModelManifest = z.infer<typeof manifestSchema>
export type TextEncoderSpec = ModelManifest['components']['textEncoders'][number]
export type GraphSpec = { file: string; inputs: Record<string, TensorSpec | undefined>; outputs: Record<string, TensorSpec | undefined> }
export type ComponentName = 'transformer' | 'vaeEncoder' | 'vaeDecoder' | `text:${string}`

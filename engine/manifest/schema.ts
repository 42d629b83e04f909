/**
 * The model manifest (`model.json` beside the ONNX files): everything the pipeline needs to know
 * about a model, so nothing model-specific is hard-coded. Tensor roles (`img`, `imgIds`, …) are
 * ours; each maps to the graph's real name, dtype and rank — the adapter idea of flux's
 * `__flux_to_dd__` name maps.
 */
import { z } from 'zod'

export const DTYPES = ['float32', 'float16', 'bfloat16', 'int64', 'int32'] as const

/**
 * What a manifest may ask for. A manifest is input from whoever made the folder: without bounds
 * a 65536² resolution or a million-token prompt passes validation and then exhausts memory.
 * The figures leave room above FLUX.1 Kontext [dev] (1568 px, 512 tokens, 17 resolutions).
 */
export const MANIFEST_LIMITS = {
  maxSide: 4096,
  maxResolutions: 64,
  maxTokens: 4096,
  maxTextEncoders: 4,
  maxSteps: 1000,
  maxGuidance: 100,
  maxChannels: 1024,
  maxPatch: 16,
  maxDownsample: 64,
  maxContexts: 16,
  maxSeqLen: 1_048_576,
  maxRopeAxis: 4096,
  maxFileName: 255,
  maxTensorName: 256,
  maxText: 2000,
} as const
const L = MANIFEST_LIMITS
const text = (max: number) => z.string().min(1).max(max)

const tensorSpec = z.strictObject({
  name: text(L.maxTensorName),
  dtype: z.enum(DTYPES),
  rank: z.number().int().min(0).max(6),
})
export type TensorSpec = z.infer<typeof tensorSpec>

const graphFile = <I extends z.ZodRawShape, O extends z.ZodRawShape>(inputs: I, outputs: O) =>
  z.strictObject({ file: text(L.maxFileName), inputs: z.strictObject(inputs), outputs: z.strictObject(outputs) })

const tokenizerSpec = z.strictObject({
  file: text(L.maxFileName),
  maxLength: z.number().int().positive().max(L.maxTokens),
  /** `max_length` pads every prompt to maxLength (FLUX, kontext-tiny); `none` keeps its length. */
  padding: z.enum(['max_length', 'none']),
  padId: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  /** A closed vocabulary refuses unknown words with the list of known ones. */
  closedVocabulary: z.boolean(),
  /**
   * How `file` is read: a `tokenizer.json` for @huggingface/tokenizers (the default); `clip-bpe`:
   * CLIP's `vocab.json` with `merges.txt` beside it (the diffusers `tokenizer/`); `t5-unigram`:
   * T5's Unigram `tokenizer.json` with `</s>` appended (the diffusers `tokenizer_2/`).
   */
  format: z.enum(['tokenizer.json', 'clip-bpe', 't5-unigram']).optional(),
})

const textEncoder = z.strictObject({
  name: text(64),
  tokenizer: tokenizerSpec,
  graph: graphFile({ tokens: tensorSpec }, { sequence: tensorSpec.optional(), pooled: tensorSpec.optional() }),
})

const side = z.number().int().positive().max(L.maxSide, `at most ${L.maxSide} px a side`)
const resolution = z.tuple([side, side])

const muRule = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), value: z.number() }),
  z.strictObject({
    kind: z.literal('linear'),
    baseSeqLen: z.number().positive().max(L.maxSeqLen),
    baseShift: z.number().min(-100).max(100),
    maxSeqLen: z.number().positive().max(L.maxSeqLen),
    maxShift: z.number().min(-100).max(100),
  }),
])

export const manifestSchema = z.strictObject({
  id: z
    .string()
    .max(64)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, . _ -'),
  name: text(120),
  version: z.literal(1),
  description: z.string().max(L.maxText).optional(),
  components: z.strictObject({
    textEncoders: z.array(textEncoder).min(1).max(L.maxTextEncoders),
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
    channels: z.number().int().positive().max(L.maxChannels),
    patch: z.number().int().positive().max(L.maxPatch),
    downsample: z.number().int().positive().max(L.maxDownsample),
    scale: z.number().positive(),
    shift: z.number(),
    /** True when the encoder/decoder graphs apply scale/shift themselves (kontext-tiny). */
    normalisedInGraph: z.boolean(),
    previewRgb: z
      .strictObject({ weights: z.array(z.array(z.number()).length(3)).max(L.maxChannels), bias: z.array(z.number()).length(3) })
      .optional(),
  }),
  rope: z.strictObject({
    axes: z.array(z.number().int().positive().max(L.maxRopeAxis)).length(3),
    theta: z.number().positive(),
    /** Axis-0 id of the i-th context image is i·contextOffset (target 0, text 0). */
    contextOffset: z.number().int().positive().max(1_000_000),
    maxContexts: z.number().int().min(0).max(L.maxContexts),
  }),
  schedule: z.strictObject({ mu: muRule }),
  defaults: z.strictObject({ steps: z.number().int().positive().max(L.maxSteps), guidance: z.number().min(0).max(L.maxGuidance) }),
  guidance: z.strictObject({
    /** embedded: one pass with a guidance input (FLUX [dev]); cfg: true CFG, two passes; none. */
    mode: z.enum(['embedded', 'cfg', 'none']),
    /** For cfg: the unconditional prompt is all padding tokens. */
    negative: z.enum(['allPad']).optional(),
  }),
  resolutions: z.array(resolution).min(1).max(L.maxResolutions),
})

export type ModelManifest = z.infer<typeof manifestSchema>
export type TextEncoderSpec = ModelManifest['components']['textEncoders'][number]
export type GraphSpec = { file: string; inputs: Record<string, TensorSpec | undefined>; outputs: Record<string, TensorSpec | undefined> }
export type ComponentName = 'transformer' | 'vaeEncoder' | 'vaeDecoder' | `text:${string}`

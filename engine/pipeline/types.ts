/**
 * The pipeline's view of a model: four calls, no ONNX. The real implementation (ortModels.ts)
 * runs sessions; tests pass recording fakes, the way diffusers tests use dummy components.
 */
import type { ImagePlanes } from '../math/imagePlanes'
import type { Latent, Tokens } from '../math/packing'
import type { PreviewFactors } from '../math/preview'
import type { PreviewKind } from '../previewPolicy'
import type { MuRule } from '../math/schedule'
import type { Resolution } from '../math/resolution'

export interface TextEmbedding {
  /** (length × dim) sequence features, row-major. */
  readonly sequence: Float32Array
  readonly length: number
  readonly dim: number
  /** Pooled vector (the transformer's `y`). */
  readonly pooled: Float32Array
}

export interface VelocityInput {
  /** [target ; context…] tokens. */
  readonly img: Tokens
  /** 3 ids per image token, same order as `img`. */
  readonly imgIds: Float32Array
  readonly text: TextEmbedding
  readonly txtIds: Float32Array
  readonly timestep: number
  /** The guidance embedding's value, or null when the model has none. */
  readonly guidance: number | null
}

export interface KontextModels {
  /** Encodes a prompt; `null` is the unconditional (all-pad) prompt for classifier-free guidance. */
  encodeText(prompt: string | null): Promise<TextEmbedding>
  /** Encodes [-1,1] planes to a normalised latent (scale/shift applied, wherever the model does it). */
  encodeImage(image: ImagePlanes): Promise<Latent>
  /** Velocity for every image token (target and context); the caller keeps the target's. */
  predictVelocity(input: VelocityInput): Promise<Float32Array>
  /** Decodes a normalised latent to [-1,1] planes. */
  decode(latent: Latent): Promise<ImagePlanes>
  /**
   * Called as the pipeline moves from one phase of its memory plan to the next (engine/plan/), so
   * a model that cannot hold every graph at once releases what the next phase does not need.
   */
  enterPhase?(phase: PipelinePhase): Promise<void>
}

/** The pipeline's phases in order; `done` follows the last decode. */
export type PipelinePhase = 'text' | 'encode' | 'denoise' | 'decode' | 'done'

/** What the pipeline needs to know about the model (from its manifest). */
export interface PipelineConfig {
  readonly latentChannels: number
  readonly patch: number
  readonly downsample: number
  readonly mu: MuRule
  readonly contextOffset: number
  readonly maxContexts: number
  readonly guidanceMode: 'embedded' | 'cfg' | 'none'
  readonly resolutions: readonly Resolution[]
  readonly preview: PreviewFactors | null
}

/** A context image: how to get its pixels at a given size, and a stable key for the cache. */
export interface ContextSource {
  readonly hash: string
  readonly width: number
  readonly height: number
  load(width: number, height: number): Promise<ImagePlanes>
}

export interface StepEvent {
  /** 1-based. */
  readonly step: number
  readonly totalSteps: number
  readonly t: number
  /** The target's packed latent after this step. */
  readonly latent: Tokens
  /**
   * What the picture is heading for: the predicted clean latent (x − t·v) mapped to RGB at latent
   * resolution (HWC), or null without preview factors.
   */
  readonly preview: { readonly rgb: Uint8Array; readonly width: number; readonly height: number } | null
  /** The same prediction through the model's decoder, at output size, on the steps asked for. */
  readonly decoded: ImagePlanes | null
  /** What drawing `preview` or `decoded` cost (0 when neither was asked for). */
  readonly previewMs: number
}

export interface GenerateRequest {
  readonly prompt: string
  readonly contexts: readonly ContextSource[]
  readonly seed: number
  readonly steps: number
  readonly guidance: number
  readonly width?: number
  readonly height?: number
  /** Replaces the seeded noise (conformance tests feed the reference's noise). Packed tokens. */
  readonly noise?: Float32Array
  readonly onStep?: (e: StepEvent) => void
  /**
   * The preview each step's event carries: none, the latent map (`preview`) or the model's decoder
   * (`decoded`). Absent: the latent map on every step.
   */
  readonly previewFor?: (step: number, totalSteps: number) => PreviewKind
  readonly signal?: AbortSignal
}

export interface GenerateOutput {
  readonly image: ImagePlanes
  readonly width: number
  readonly height: number
  readonly timingsMs: Record<string, number>
}

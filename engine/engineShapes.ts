/** The shapes a caller of the engine service sees beside the generation job's schema. */
import type { GenerationProgress } from '../core/contract/generationJob'
import type { PreviewKind } from './previewPolicy'

export interface RunHooks {
  readonly onProgress?: (p: GenerationProgress) => void
  readonly signal?: AbortSignal
  /** Skip encoding preview PNGs (the CLI draws a bar instead). */
  readonly previews?: boolean
  /**
   * Pins which steps draw which preview instead of the time budget (tests that look at given
   * steps); 'decode' falls back to the latent map where the decoder is not used for previews.
   */
  readonly previewFor?: (step: number, totalSteps: number) => PreviewKind
}

/** The pipeline's output before it is encoded. */
export interface GeneratedImage {
  readonly rgb: Uint8Array
  readonly width: number
  readonly height: number
  readonly text: Record<string, string>
  readonly timingsMs: Record<string, number>
}

/** A model folder that cannot be used, and why (listed beside the working ones, never fatal). */
export interface ModelProblem {
  readonly dir: string
  readonly message: string
}

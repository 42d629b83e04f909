/**
 * What the host needs from the engine process. `EngineProcess` (./engineProcess.ts) implements
 * it; keeping the host on this interface lets the services run against any engine. The job, its
 * progress and its result are the one generation schema (core/contract/generationJob.ts).
 */
import type { EngineDescription, EngineState } from '../../core/domain/engineTypes'
import type { FitRequest, ModelFit } from '../../core/contract/modelFit'
import type { GenerationJob, GenerationProgress, GenerationResult } from '../../core/contract/generationJob'

export interface EngineLike {
  start(): Promise<void>
  describe(): Promise<EngineDescription>
  /** Runs one job (a region edit when it carries a mask: the engine crops, edits and blends). */
  run(job: GenerationJob, opts: { onProgress?: (p: GenerationProgress) => void; signal?: AbortSignal }): Promise<GenerationResult>
  onStateChange(cb: (state: EngineState, reason: string | null) => void): () => void
  stop(): Promise<void>
  /** The memory plan of one model for a size and references (the Models page's Fit section; optional). */
  planFit?(fit: FitRequest): Promise<ModelFit>
  /** Restarts the engine so it lists models installed or removed since it started (optional). */
  reloadModels?(): Promise<void>
}

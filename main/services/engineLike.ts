/**
 * What the host needs from the engine process. `EngineProcess` (./engineProcess.ts) implements
 * it; keeping the host on this interface lets the services run against any engine.
 */
import type { EngineDescription, EngineState } from '../../core/engineTypes'

export interface EngineJobRequest {
  readonly model: string
  readonly prompt: string
  /** Encoded image files (PNG…) in order; empty for text-to-image. */
  readonly contexts: Uint8Array[]
  readonly seed: number
  readonly steps: number
  readonly guidance: number
  readonly width?: number
  readonly height?: number
}

export interface EngineJobResult {
  /** PNG carrying its generation parameters in text chunks. */
  readonly png: Uint8Array
  readonly width: number
  readonly height: number
  readonly timingsMs: Record<string, number>
}

export interface EngineProgress {
  readonly step: number
  readonly totalSteps: number
  readonly previewPng: Uint8Array | null
}

export interface EngineLike {
  start(): Promise<void>
  describe(): Promise<EngineDescription>
  run(req: EngineJobRequest, opts: { onProgress?: (p: EngineProgress) => void; signal?: AbortSignal }): Promise<EngineJobResult>
  onStateChange(cb: (state: EngineState, reason: string | null) => void): () => void
  stop(): Promise<void>
  /** Restarts the engine so it lists models installed or removed since it started (optional). */
  reloadModels?(): Promise<void>
}

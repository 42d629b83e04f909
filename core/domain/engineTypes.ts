/** What the engine says about itself and the models it can run (plain data, shared with the UI). */
export interface ProviderInfo {
  readonly name: string
  /** Built into this onnxruntime package (it may still fail to start on this machine). */
  readonly bundled: boolean
  /** The engine would try it on this machine (absent from older engines). */
  readonly usable?: boolean
  /** What it needs, or why the engine does not use it; null when nothing is missing. */
  readonly why?: string | null
}

export interface ModelSummary {
  readonly id: string
  readonly name: string
  readonly dir: string
  readonly defaultSteps: number
  readonly defaultGuidance: number
  /** Preferred output sizes as [width, height]. */
  readonly resolutions: readonly (readonly [number, number])[]
  /** Words the tokenizer knows, when the vocabulary is closed (kontext-tiny); null otherwise. */
  readonly vocabulary: readonly string[] | null
  readonly maxContexts: number
}

export type EngineState = 'starting' | 'ready' | 'busy' | 'crashed' | 'restarting'

/** Which execution provider one of a model's components ran on, in its last job (text encoders by name). */
export interface ComponentPlacement {
  /** `clip`, `t5` (or the manifest's encoder names), `transformer`, `vae-encoder`, `vae-decoder`. */
  readonly component: string
  readonly provider: string
}

export interface EngineDescription {
  readonly state: EngineState
  readonly ortVersion: string
  readonly providers: readonly ProviderInfo[]
  /** The execution provider sessions run on now, or null before the first session. */
  readonly activeProvider: string | null
  readonly models: readonly ModelSummary[]
  /** Model folders that were found but cannot be used, each with its reason (absent from older engines). */
  readonly brokenModels?: readonly { readonly dir: string; readonly message: string }[]
  /** Where each component of the last job's model ran (absent from older engines; empty before a job). */
  readonly placement?: readonly ComponentPlacement[]
  readonly pid: number | null
  readonly restarts: number
}

/** Fills a request's missing sampling settings from the project's defaults. */
import type { GenerationParams, ProjectSettings } from '../../core/domain/model'
import type { HostClock } from './clock'

export interface SamplingOverrides {
  readonly model?: string | undefined
  readonly seed?: number | undefined
  readonly steps?: number | undefined
  readonly guidance?: number | undefined
}

export function resolveSampling(
  settings: ProjectSettings,
  o: SamplingOverrides,
  clock: HostClock,
): Omit<GenerationParams, 'width' | 'height'> {
  return {
    model: o.model ?? settings.defaultModel,
    seed: o.seed ?? clock.newSeed(),
    steps: o.steps ?? settings.steps,
    guidance: o.guidance ?? settings.guidance,
  }
}

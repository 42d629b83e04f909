/**
 * The engine process runs one job at a time and refuses a second (`engine.busy`). The studio's
 * queue is its only caller but for a batch's calibration edit; this wrapper lets both share the
 * engine by waiting their turn, so a calibration never makes a queued job fail, or the reverse.
 */
import { StudioError, studioError } from '../../core/result'
import type { GenerationJob, GenerationResult } from '../../core/contract/generationJob'
import type { EngineLike } from './engineLike'

export interface SerialEngine extends EngineLike {
  /** A run and its wall time from the moment it had the engine (not counting its wait). */
  runTimed(req: GenerationJob): Promise<{ result: GenerationResult; ms: number }>
}

export function serialRuns(engine: EngineLike): SerialEngine {
  let tail: Promise<unknown> = Promise.resolve()
  const timed = (req: GenerationJob, opts: Parameters<EngineLike['run']>[1]) => {
    const turn = tail.then(async () => {
      if (opts.signal?.aborted) throw new StudioError(studioError('job.cancelled', 'The job was cancelled.'))
      const started = performance.now()
      const result = await engine.run(req, opts)
      return { result, ms: performance.now() - started }
    })
    tail = turn.catch(() => undefined)
    return turn
  }
  return {
    run: async (req, opts) => (await timed(req, opts)).result,
    runTimed: (req) => timed(req, {}),
    start: () => engine.start(),
    describe: () => engine.describe(),
    onStateChange: (cb) => engine.onStateChange(cb),
    stop: () => engine.stop(),
  }
}

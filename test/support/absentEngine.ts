/** An engine that is not there, for host tests and benches whose subject is not the engine: every run and description is refused. */
import { StudioError, studioError } from '../../core/result'
import type { EngineLike } from '../../main/services/engineLike'

const notHere = (): never => {
  throw new StudioError(studioError('engine.unavailable', 'No engine here: this host runs without one.'))
}

export const absentEngine: EngineLike = {
  start: async () => undefined,
  describe: async () => notHere(),
  run: async () => notHere(),
  onStateChange: () => () => undefined,
  stop: async () => undefined,
}

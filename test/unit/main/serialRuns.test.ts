/** The queue and a batch's calibration edit share one engine that refuses a second run at once. */
import { describe, expect, it } from 'vitest'
import { StudioError, studioError } from '../../../core/result'
import type { GenerationJob, GenerationResult } from '../../../core/contract/generationJob'
import type { EngineLike } from '../../../main/services/engineLike'
import { serialRuns } from '../../../main/services/serialRuns'

/** Like the engine process: one job at a time, `engine.busy` for another; finishes when told. */
function oneAtATime() {
  let busy = false
  const finish: (() => void)[] = []
  const engine = {
    run: (req: GenerationJob): Promise<GenerationResult> => {
      if (busy) return Promise.reject(new StudioError(studioError('engine.busy', 'The engine is already running a job.')))
      busy = true
      return new Promise((resolve) =>
        finish.push(() => {
          busy = false
          resolve({ png: new Uint8Array([req.seed]), width: 1, height: 1, timingsMs: {} })
        }),
      )
    },
  } as unknown as EngineLike
  return { engine, finishNext: () => finish.shift()?.() }
}
const req = (seed: number): GenerationJob => ({ model: 'm', prompt: 'p', contexts: [], seed, steps: 1, guidance: 1 })
const tick = () => new Promise((r) => setTimeout(r, 0))

describe('serialRuns', () => {
  it('lets a second run wait for the first instead of failing busy, in order', async () => {
    const fake = oneAtATime()
    const engine = serialRuns(fake.engine)
    const job = engine.run(req(1), {})
    const calibration = engine.runTimed(req(2))
    await tick()
    fake.finishNext()
    expect((await job).png).toEqual(new Uint8Array([1]))
    await tick()
    fake.finishNext()
    const timed = await calibration
    expect(timed.result.png).toEqual(new Uint8Array([2]))
    expect(timed.ms).toBeGreaterThanOrEqual(0)
  })

  it('goes on after a failed run, and a run cancelled while waiting never reaches the engine', async () => {
    const fail = { run: () => Promise.reject(new StudioError(studioError('engine.failed', 'no'))) } as unknown as EngineLike
    const engine = serialRuns(fail)
    await expect(engine.run(req(1), {})).rejects.toMatchObject({ code: 'engine.failed' })
    const abort = new AbortController()
    abort.abort()
    await expect(engine.run(req(2), { signal: abort.signal })).rejects.toMatchObject({ code: 'job.cancelled' })
  })
})

/**
 * Why the engine process ended, as one of four kinds with a hint each, so a user reads "ran out
 * of memory — try a smaller size" instead of "exit code 137".
 *
 * How an out-of-memory death shows, and so how it is told apart:
 * - Linux's OOM killer ends the largest process with SIGKILL. Node reports that as the signal
 *   (code null); a process started through a shell or a wrapper shows 137 (128 + 9) instead. A
 *   SIGKILL on its own is not proof (a user or a supervisor may send it too), so it is called
 *   `oom` only with evidence of memory pressure: the cgroup's oom_kill count went up, or free
 *   memory was under 10 % while the job ran. Without that evidence it is `killed`, and the hint
 *   still names memory as the usual cause.
 * - An allocation that fails inside onnxruntime (std::bad_alloc) aborts: SIGABRT, or 134
 *   (128 + 6) through a wrapper. Abort is also what any failed native assertion does, so it too
 *   is `oom` only with memory-pressure evidence, else `crashed`.
 * - Windows ends a process that cannot commit memory with STATUS_NO_MEMORY (0xC0000017); that
 *   code means nothing else, so it is `oom` on its own.
 * The host's own kills (shutdown, an engine that stopped answering pings) are `killed`, and an
 * engine that dies before it said it was ready is `launch-failed` (a broken install, a provider
 * that cannot load), whatever the code.
 */
import { StudioError, studioError } from '../../core/result'

export type EngineExitKind = 'crashed' | 'oom' | 'killed' | 'launch-failed'

export interface EngineExitFacts {
  readonly code: number | null
  readonly signal: string | null
  /** The process had not said it was ready yet. */
  readonly duringStart: boolean
  /** The host ended it itself (stop, a failed health check). */
  readonly byHost: boolean
  /** Evidence that memory ran out while it ran (cgroup oom_kill count, or low free memory). */
  readonly memoryPressure: boolean
}

export interface EngineExit {
  readonly kind: EngineExitKind
  /** What happened, for "The engine process stopped (…)." */
  readonly why: string
  readonly hint: string
}

const STATUS_NO_MEMORY = 0xc0000017

const howItEnded = (f: EngineExitFacts): string =>
  f.signal ? `killed by ${f.signal}` : f.code === null ? 'no exit code' : `exit code ${f.code}`

export function classifyExit(f: EngineExitFacts): EngineExit {
  const ended = howItEnded(f)
  if (f.byHost) return { kind: 'killed', why: `stopped by the studio, ${ended}`, hint: 'It is restarted; run the job again.' }
  if (f.duringStart)
    return {
      kind: 'launch-failed',
      why: `it could not start, ${ended}`,
      hint: 'Check the engine log and the model folders; if a GPU provider is set, try the CPU provider.',
    }
  const sigkill = f.signal === 'SIGKILL' || f.code === 137
  const abort = f.signal === 'SIGABRT' || f.code === 134
  if (f.code === STATUS_NO_MEMORY || ((sigkill || abort) && f.memoryPressure))
    return {
      kind: 'oom',
      why: `it ran out of memory, ${ended}`,
      hint: 'Choose a smaller output size, fewer context images, or close other programs, then run the job again.',
    }
  if (sigkill)
    return {
      kind: 'killed',
      why: `${ended} from outside the studio`,
      hint: 'The system ends the largest process when memory runs out: if nobody stopped it, try a smaller size.',
    }
  return {
    kind: 'crashed',
    why: `it crashed, ${ended}`,
    hint: 'It has been restarted; run the job again. If it keeps happening, try fewer steps, a smaller size or the CPU provider.',
  }
}

/** The kinds after which a GPU provider is stepped down from: the device or its driver failed. */
export const stepsDownTheLadder = (kind: EngineExitKind): boolean => kind === 'crashed' || kind === 'oom'

const EXIT_CODES = { crashed: 'engine.crashed', oom: 'engine.oom', killed: 'engine.killed', 'launch-failed': 'engine.startFailed' } as const
const DEATH_CODES: ReadonlySet<string> = new Set([...Object.values(EXIT_CODES), 'engine.steppedDown'])

/** The error a job fails with when the process died under it. */
export const diedError = (exit: EngineExit): StudioError =>
  new StudioError(studioError(EXIT_CODES[exit.kind], `The engine process stopped during the job (${exit.why}).`, exit.hint))

/**
 * The job's error when the process died under it on a GPU provider and restarts without that
 * provider: not the job's fault, so the host runs it again on the next rung (main/services/jobRunner.ts).
 */
export const steppedDownError = (exit: EngineExit, provider: string): StudioError =>
  new StudioError(
    studioError(
      'engine.steppedDown',
      `The engine stopped on ${provider} during the job (${exit.why}); it restarts without ${provider} and runs the job again on the next provider.`,
      exit.hint,
    ),
  )

/** Whether a job's error says the process died under it (not the job's own failure). */
export const isDeathCode = (code: string): boolean => DEATH_CODES.has(code)

/** A job sent while the engine process was gone. */
export const notStarted = () =>
  new StudioError(
    studioError('engine.crashed', 'The engine process stopped before the job started.', 'It is restarted; run the job again.'),
  )

/** What every waiting request gets when the studio shuts the engine down. */
export const stoppedError = () =>
  new StudioError(studioError('engine.stopped', 'The engine was shut down.', 'Start the studio again to run jobs.'))

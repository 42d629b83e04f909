/**
 * An engine in memory for testing the queue without onnxruntime, behind the same `EngineLike`
 * seam as the real process. It behaves like one, by its own rules and not by a test's script:
 *
 * - a job runs its steps one by one (each a macrotask, so the host sees it running), reports
 *   each step with a small preview, honours cancellation between steps, and ends with a PNG whose
 *   grey level follows the prompt, seed and contexts (a different seed, a different picture);
 * - one job at a time (a second while one runs is refused as `engine.busy`);
 * - it has a memory budget: a job whose latent (width × height × contexts + 1) does not fit kills
 *   the "process" mid-job, like the kernel's OOM killer would: the job fails with `engine.oom`,
 *   the engine restarts and the next job runs;
 * - `crash()` kills the process under the running job (a driver fault); `breakStarts(n)` makes the
 *   next n start-ups fail (a broken install); restarts have a budget like `EngineProcess`'s, and
 *   once it is spent every run is refused with `engine.startFailed` until a start-up works.
 *
 * Tests may hold a job at a step (`holdAt`) to act while it runs; they never say what it returns.
 */
import { createHash } from 'node:crypto'
import type { EngineDescription, EngineState } from '../../core/domain/engineTypes'
import { StudioError, studioError } from '../../core/result'
import type { GenerationJob, GenerationProgress, GenerationResult } from '../../core/contract/generationJob'
import type { EngineLike } from '../../main/services/engineLike'
import { solidGreyPng } from './solidPng'

export interface FakeEngineOptions {
  /** Latent pixels (width × height × images) the fake device holds; a bigger job is OOM-killed. */
  readonly memoryPixels?: number
  /** Start-up failures in a row before the engine stops restarting (like EngineProcess's 5). */
  readonly restartBudget?: number
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export class FakeEngine implements EngineLike {
  state: EngineState = 'starting'
  /** Every job the engine was handed, in order: what a test may look at afterwards. */
  readonly ran: GenerationJob[] = []
  restarts = 0
  private busy = false
  private killed: StudioError | null = null
  private startFailures = 0
  private gaveUp = false
  private holds = new Map<number, { reached: () => void; release: Promise<void> }>()
  private readonly listeners = new Set<(state: EngineState, reason: string | null) => void>()
  private readonly memoryPixels: number
  private readonly budget: number

  constructor(opts: FakeEngineOptions = {}) {
    this.memoryPixels = opts.memoryPixels ?? 1024 * 1024 * 4
    this.budget = opts.restartBudget ?? 5
  }

  async start(): Promise<void> {
    if (this.startFailures > 0) {
      this.startFailures--
      throw new StudioError(studioError('engine.startFailed', 'The engine process exited while starting (code 1).'))
    }
    this.gaveUp = false
    this.setState('ready')
  }

  async describe(): Promise<EngineDescription> {
    return {
      state: this.state,
      ortVersion: 'fake',
      providers: [{ name: 'cpu', bundled: true }],
      activeProvider: 'cpu',
      models: [],
      pid: null,
      restarts: this.restarts,
    }
  }

  onStateChange(cb: (state: EngineState, reason: string | null) => void): () => void {
    this.listeners.add(cb)
    return () => this.listeners.delete(cb)
  }

  async stop(): Promise<void> {
    this.setState('crashed', 'stopped')
  }

  /** The next `n` start-ups fail. */
  breakStarts(n: number): void {
    this.startFailures = n
  }

  /** Holds the job that reaches `step` there; resolves once one does, with a function that lets it go on. */
  holdAt(step: number): Promise<() => void> {
    let release!: () => void
    const released = new Promise<void>((r) => (release = r))
    return new Promise((resolve) => this.holds.set(step, { reached: () => resolve(release), release: released }))
  }

  /** Kills the engine process under the running job (as a driver fault would). */
  crash(): void {
    this.killed = new StudioError(
      studioError('engine.crashed', 'The engine process crashed during the job (killed by SIGSEGV).', 'Run the job again.'),
    )
  }

  /** Kills the engine under the running job on a GPU provider: it restarts on the next rung, and says so. */
  crashOnGpu(): void {
    this.killed = new StudioError(
      studioError(
        'engine.steppedDown',
        'The engine stopped on cuda during the job (it crashed, killed by SIGSEGV); it restarts without cuda and runs the job again on the next provider.',
      ),
    )
  }

  async run(req: GenerationJob, opts: { onProgress?: (p: GenerationProgress) => void; signal?: AbortSignal }): Promise<GenerationResult> {
    await this.ensureRunning()
    if (this.busy) throw new StudioError(studioError('engine.busy', 'The engine is already running a job.'))
    this.busy = true
    this.ran.push(req)
    this.setState('busy')
    try {
      const width = req.width ?? 64
      const height = req.height ?? 64
      const pixels = width * height * (req.contexts.length + 1)
      for (let step = 1; step <= req.steps; step++) {
        await macrotask()
        const hold = this.holds.get(step)
        if (hold) {
          this.holds.delete(step)
          hold.reached()
          await hold.release
        }
        if (this.killed) throw await this.died(this.killed)
        // The allocation for the first step's activations is where a too-big job dies.
        if (step === 1 && pixels > this.memoryPixels)
          throw await this.died(
            new StudioError(studioError('engine.oom', 'The engine ran out of memory (killed by SIGKILL).', 'Choose a smaller size.')),
          )
        if (opts.signal?.aborted) throw new StudioError(studioError('job.cancelled', 'The job was cancelled.'))
        opts.onProgress?.({ step, totalSteps: req.steps, previewPng: new Uint8Array([step]) })
      }
      const png = await solidGreyPng(width, height, greyOf(req))
      this.setState('ready')
      return { png, width, height, timingsMs: { total: req.steps } }
    } finally {
      this.busy = false
    }
  }

  /** The process died: the job fails with why, and the engine restarts before the next one. */
  private async died(why: StudioError): Promise<StudioError> {
    this.killed = null
    this.setState('crashed', why.message)
    await this.restart()
    return why
  }

  private async restart(): Promise<void> {
    for (let attempt = 1; attempt <= this.budget; attempt++) {
      this.setState('restarting', `restarting (try ${attempt} of ${this.budget})`)
      this.restarts++
      try {
        await this.start()
        return
      } catch {
        // The next try.
      }
    }
    this.gaveUp = true
    this.setState('crashed', 'not restarted again')
  }

  /** After giving up, a run tries one start-up more (as EngineProcess does) and is refused if it fails. */
  private async ensureRunning(): Promise<void> {
    if (!this.gaveUp && this.state !== 'starting') return
    try {
      await this.start()
    } catch (e) {
      this.gaveUp = true
      throw e
    }
  }

  private setState(state: EngineState, reason: string | null = null): void {
    this.state = state
    for (const l of this.listeners) l(state, reason)
  }
}

/** The picture's grey level: a function of everything that should change it. */
function greyOf(req: GenerationJob): number {
  const h = createHash('sha256').update(`${req.model}\u0000${req.prompt}\u0000${req.seed}\u0000${req.steps}\u0000${req.guidance}`)
  for (const c of req.contexts) h.update(c)
  return h.digest()[0] as number
}

/**
 * The host's handle on the engine process: start it, ask it things, run one job at a time with
 * progress and cancellation, and restart it when it dies. A crash fails the job in flight with
 * `engine.crashed`; the studio stays up and the next job runs on a fresh process.
 *
 * Restarts are one loop (`recover`) with a growing pause between tries and a budget of tries in a
 * row: a replacement that dies while it starts is one failed try of that loop, not a new restart
 * that would get the failing start-up's promise back (that left the engine down for good). When the
 * budget is spent the state says so, and the next request that needs the engine tries once more.
 *
 * An exit is typed (engineExit.ts: crashed | oom | killed | launch-failed, each with a hint), and a
 * crash or out-of-memory death while a GPU provider ran the sessions restarts the engine without
 * that provider (KONTEXT_PROVIDER_SKIP), i.e. on the next rung of the ladder in engine/sessions.ts;
 * the state's reason says so, "ready" included, for the status bar.
 */
import type { EngineDescription, EngineState } from '../../core/domain/engineTypes'
import { StudioError, studioError } from '../../core/result'
import { replySchema, type EngineReply } from '../../engine/protocol'
import type { GenerationJob, GenerationProgress, GenerationResult } from '../../core/contract/generationJob'
import type { EngineLike } from './engineLike'
import type { FitRequest, ModelFit } from '../../core/contract/modelFit'
import { chosenProviderOf } from '../../engine/providerProbe'
import { classifyExit, diedError, notStarted, stoppedError, isDeathCode, steppedDownError, stepsDownTheLadder } from './engineExit'
import { freeMemoryShare, LOW_FREE_SHARE, oomKillCount } from './memoryEvidence'
import { PendingRequests } from './pendingRequests'
import { spawnEngineChild, type EngineChild, type SpawnOptions } from './engineProcessChild'

const START_TIMEOUT_MS = 60_000
const PING_TIMEOUT_MS = 10_000
const HEALTH_INTERVAL_MS = 15_000
/** Tries in a row before the host stops restarting an engine that dies at start-up. */
const RESTART_BUDGET = 5
/** First pause before a restart; doubled after each failed try (0.25 s, 0.5 s, 1 s, 2 s, 4 s). */
const RESTART_BACKOFF_MS = 250

export interface EngineProcessOptions {
  /** The model folders, read again at every start (a function: so a reload sees a model imported since). */
  readonly modelDirs: readonly string[] | (() => readonly string[])
  readonly provider?: string
  readonly log?: (line: string) => void
  /** Restart tries in a row before giving up (default 5). */
  readonly restartBudget?: number
  /** Pause before the first restart try, doubled after each failure (default 250 ms). */
  readonly restartBackoffMs?: number
  /** How a child is started (default: the real one); tests wrap it to see each child appear. */
  readonly spawn?: (opts: SpawnOptions) => Promise<EngineChild>
}

interface RunningJob {
  readonly id: number
  readonly onProgress: ((p: GenerationProgress) => void) | undefined
  resolve(result: GenerationResult): void
  reject(error: StudioError): void
}

export class EngineProcess implements EngineLike {
  private child: EngineChild | null = null
  private state: EngineState = 'starting'
  private restarts = 0
  private stopping = false
  private starting: Promise<void> | null = null
  /** The restart loop while it runs; resolves when an engine is ready, rejects when the budget is spent. */
  private recovery: Promise<void> | null = null
  private readonly pending = new PendingRequests()
  private job: RunningJob | null = null
  private health: NodeJS.Timeout | null = null
  private readonly listeners = new Set<(state: EngineState, reason: string | null) => void>()
  private readonly log: (line: string) => void
  /** The provider the engine said it runs on (its log line), null until the first session. */
  private activeProvider: string | null = null
  /** GPU providers a crash was met on: later engines start without them (the next rung). */
  private readonly skipped: string[] = []
  /** Set while the host itself ends the child (a failed health check), so the exit reads `killed`. */
  private killing: EngineChild | null = null
  /** Memory evidence for telling an OOM kill apart (engineExit.ts). */
  private oomKillsAtSpawn: number | null = null
  private lowestFreeShare = 1
  private wasReady = false

  constructor(private readonly opts: EngineProcessOptions) {
    this.log = opts.log ?? (() => {})
  }

  /** The engine child's process id (null when none is running). */
  get pid(): number | null {
    return this.child?.pid ?? null
  }

  get currentState(): EngineState {
    return this.state
  }

  onStateChange(cb: (state: EngineState, reason: string | null) => void): () => void {
    this.listeners.add(cb)
    return () => this.listeners.delete(cb)
  }

  private setState(state: EngineState, reason: string | null = null): void {
    if (state === this.state && reason === null) return
    this.state = state
    for (const l of this.listeners) l(state, reason)
  }

  start(): Promise<void> {
    this.stopping = false
    // Already running: a second child would be orphaned (nobody would ever stop it).
    if (this.child && !this.starting) return Promise.resolve()
    this.starting ??= this.spawn().finally(() => (this.starting = null))
    return this.starting
  }

  private async spawn(): Promise<void> {
    this.setState(this.restarts > 0 ? 'restarting' : 'starting')
    const dirs = typeof this.opts.modelDirs === 'function' ? this.opts.modelDirs() : this.opts.modelDirs
    const env: Record<string, string> = { KONTEXT_MODEL_DIRS: JSON.stringify(dirs) }
    if (this.opts.provider) env.KONTEXT_PROVIDER = this.opts.provider
    if (this.skipped.length > 0) env.KONTEXT_PROVIDER_SKIP = this.skipped.join(',')
    this.wasReady = false
    this.activeProvider = null
    this.oomKillsAtSpawn = oomKillCount()
    this.lowestFreeShare = freeMemoryShare()
    const child = await (this.opts.spawn ?? spawnEngineChild)({ env, log: this.log })
    this.child = child
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StudioError(studioError('engine.startTimeout', 'The engine process did not start within a minute.'))),
        START_TIMEOUT_MS,
      )
      child.onMessage((raw) => {
        const parsed = replySchema.safeParse(raw)
        if (!parsed.success) return this.log(`engine: ignored a malformed message (${parsed.error.issues[0]?.message ?? '?'})`)
        if (parsed.data.type === 'ready') {
          clearTimeout(timer)
          resolve()
        } else this.onReply(parsed.data)
      })
      child.onExit((code, signal) => {
        clearTimeout(timer)
        reject(
          new StudioError(
            studioError(
              'engine.startFailed',
              `The engine process exited while starting (code ${code ?? '–'}${signal ? `, ${signal}` : ''}).`,
            ),
          ),
        )
        this.onExit(child, code, signal)
      })
    })
    try {
      await ready
      await this.request({ type: 'ping' }, PING_TIMEOUT_MS)
    } catch (e) {
      // A child that timed out is still alive: end it, so it cannot linger beside its replacement.
      if (this.child === child) child.kill()
      throw e
    }
    if (this.child !== child) throw new StudioError(studioError('engine.startFailed', 'The engine process exited while starting.'))
    this.wasReady = true
    this.setState('ready', this.rungNote())
    this.startHealthChecks()
  }

  private onExit(child: EngineChild, code: number | null, signal: string | null): void {
    if (this.child !== child) return
    this.child = null
    const kills = oomKillCount()
    const exit = classifyExit({
      code,
      signal,
      duringStart: !this.wasReady,
      byHost: this.killing === child,
      memoryPressure:
        (kills !== null && this.oomKillsAtSpawn !== null && kills > this.oomKillsAtSpawn) || this.lowestFreeShare < LOW_FREE_SHARE,
    })
    this.killing = null
    const why = exit.why
    const provider = this.activeProvider
    // A GPU provider the engine died on is left out of the next start: the next rung runs, and
    // the job it died under is told so (the host runs it again there).
    const stepDown = !this.stopping && provider && provider !== 'cpu' && stepsDownTheLadder(exit.kind) && !this.skipped.includes(provider)
    if (stepDown) {
      this.skipped.push(provider)
      this.log(`engine: it died on ${provider} (${exit.kind}); restarting without ${provider}`)
    }
    const error = this.stopping ? stoppedError() : stepDown ? steppedDownError(exit, provider) : diedError(exit)
    this.job?.reject(error)
    this.job = null
    this.pending.failAll(error)
    this.stopHealthChecks()
    if (this.stopping) return
    const onward = provider && this.skipped.includes(provider) ? `; restarting it without ${provider}, on the next provider` : ''
    this.setState('crashed', `The engine process stopped (${why})${onward}.`)
    this.recover(onward ? `${why}, on ${provider}; restarting without it` : why)
  }

  /** What "ready" says after stepping down the ladder (null when nothing was left out). */
  private rungNote(): string | null {
    return this.skipped.length > 0 ? `running without ${this.skipped.join(', ')}, which crashed` : null
  }

  /**
   * Starts the restart loop unless it runs already: then this exit is that loop's current try
   * failing, and the loop itself goes on to the next try.
   */
  private recover(why: string): void {
    if (this.recovery) return
    this.log(`engine: process stopped (${why}); restarting`)
    this.recovery = this.restartLoop(why).finally(() => (this.recovery = null))
    this.recovery.catch(() => {})
  }

  private async restartLoop(why: string): Promise<void> {
    const budget = this.opts.restartBudget ?? RESTART_BUDGET
    const backoff = this.opts.restartBackoffMs ?? RESTART_BACKOFF_MS
    let last = why
    for (let attempt = 1; attempt <= budget; attempt++) {
      this.setState('restarting', `The engine process stopped (${last}); restarting it (try ${attempt} of ${budget}).`)
      await new Promise((resolve) => setTimeout(resolve, backoff * 2 ** (attempt - 1)))
      if (this.stopping) throw stoppedError()
      // A start-up that is failing right now must settle first, or start() would hand back its promise.
      await this.starting?.catch(() => {})
      if (this.child && (this.state === 'ready' || this.state === 'busy')) return
      this.restarts++
      try {
        await this.start()
        return
      } catch (e) {
        last = e instanceof Error ? e.message.replace(/\.$/, '') : String(e)
        this.log(`engine: restart ${attempt} of ${budget} failed: ${last}`)
      }
    }
    const reason = `The engine process stopped ${budget + 1} times in a row (last: ${last}); it is not restarted again. Restart the studio, or check the engine's log.`
    this.log(`engine: ${reason}`)
    this.setState('crashed', reason)
    throw new StudioError(studioError('engine.startFailed', reason, 'Restart the studio; if it keeps happening, check the model folders.'))
  }

  private onReply(reply: EngineReply): void {
    switch (reply.type) {
      case 'log': {
        const chosen = chosenProviderOf(reply.line)
        if (chosen) this.activeProvider = chosen
        return this.log(reply.line)
      }
      case 'progress':
        this.lowestFreeShare = Math.min(this.lowestFreeShare, freeMemoryShare())
        if (this.job?.id === reply.id) this.job.onProgress?.(reply.progress)
        return
      case 'result':
        if (this.job?.id === reply.id) this.settleJob((j) => j.resolve(reply.result))
        return
      case 'error':
        if (reply.id !== null && this.job?.id === reply.id) return this.settleJob((j) => j.reject(new StudioError(reply.error)))
        if (reply.id !== null && this.pending.fail(reply.id, new StudioError(reply.error))) return
        return this.log(`engine: ${reply.error.message}`)
      default:
        if ('id' in reply) this.pending.answer(reply.id, reply)
    }
  }

  private settleJob(settle: (j: RunningJob) => void): void {
    const j = this.job
    this.job = null
    if (j) settle(j)
    if (this.child) this.setState('ready', this.rungNote())
    if (this.reloadAfterJob) void this.reloadModels()
  }

  private reloadAfterJob = false
  private reloading: Promise<void> | null = null

  /**
   * Starts a fresh engine so it lists the models installed, linked or removed since it started
   * (the engine reads its model folders once). A running job is never cut short: the reload waits
   * for it to settle.
   */
  reloadModels(): Promise<void> {
    if (this.job) {
      this.reloadAfterJob = true
      return Promise.resolve()
    }
    this.reloadAfterJob = false
    this.reloading ??= (async () => {
      try {
        if (this.starting) await this.starting.catch(() => {})
        await this.stop()
        await this.start()
      } finally {
        this.reloading = null
      }
    })()
    return this.reloading
  }

  private request(
    msg: { type: 'ping' | 'describe' | 'release' } | { type: 'planFit'; fit: FitRequest },
    timeoutMs: number,
  ): Promise<EngineReply> {
    const child = this.child
    if (!child)
      return Promise.reject(new StudioError(studioError('engine.notRunning', 'The engine process is not running.', 'Start it first.')))
    return this.pending.ask(msg, timeoutMs, (m) => child.send(m))
  }

  /** Pings an idle engine now and then; one that does not answer is killed (and so restarted). */
  private startHealthChecks(): void {
    this.stopHealthChecks()
    this.health = setInterval(() => {
      // A busy engine's thread is inside onnxruntime and cannot answer; only idle ones are checked.
      if (this.job || !this.child) return
      const child = this.child
      this.request({ type: 'ping' }, PING_TIMEOUT_MS).catch(() => {
        this.log('engine: no answer to ping; killing it')
        this.killing = child
        child.kill()
      })
    }, HEALTH_INTERVAL_MS)
    this.health.unref()
  }

  private stopHealthChecks(): void {
    if (this.health) clearInterval(this.health)
    this.health = null
  }

  /** Waits for a restart in progress (a request during a restart is served by the replacement). */
  private async ensureStarted(): Promise<void> {
    if (this.reloading) await this.reloading
    if (this.recovery) await this.recovery
    if (this.starting) await this.starting
    if (!this.child) await this.start()
  }

  async describe(): Promise<EngineDescription> {
    await this.ensureStarted()
    const reply = await this.request({ type: 'describe' }, 30_000)
    if (reply.type !== 'description') throw new Error(`unexpected reply ${reply.type}`)
    if (reply.description.activeProvider) this.activeProvider = reply.description.activeProvider
    return { ...reply.description, state: this.state, pid: this.pid, restarts: this.restarts }
  }

  /** The Fit panel's memory plan of one model (the engine reads tensor shapes; nothing loads). */
  async planFit(fit: FitRequest): Promise<ModelFit> {
    await this.ensureStarted()
    const reply = await this.request({ type: 'planFit', fit }, 30_000)
    if (reply.type !== 'fitPlan') throw new Error(`unexpected reply ${reply.type}`)
    return reply.fit
  }

  /** Frees the engine's sessions (memory back to the OS); returns how many were released. */
  async release(): Promise<number> {
    await this.ensureStarted()
    const reply = await this.request({ type: 'release' }, 30_000)
    return reply.type === 'released' ? reply.sessions : 0
  }

  async run(
    req: GenerationJob,
    opts: { onProgress?: (p: GenerationProgress) => void; signal?: AbortSignal } = {},
  ): Promise<GenerationResult> {
    const cancelled = () => new StudioError(studioError('job.cancelled', 'The job was cancelled.'))
    if (opts.signal?.aborted) throw cancelled()
    await this.ensureStarted()
    if (this.job)
      throw new StudioError(studioError('engine.busy', 'The engine is already running a job.', 'Wait for it to finish or cancel it.'))
    const child = this.child
    if (!child) throw notStarted()
    const id = this.pending.newId()
    const onAbort = () => child.send({ type: 'cancel', id: this.pending.newId() })
    try {
      return await new Promise<GenerationResult>((resolve, reject) => {
        this.job = { id, onProgress: opts.onProgress, resolve, reject }
        this.setState('busy')
        opts.signal?.addEventListener('abort', onAbort, { once: true })
        const job = { ...req, contexts: [...req.contexts] }
        child.send({ type: 'submit', id, job })
      })
    } catch (e) {
      if (opts.signal?.aborted && e instanceof StudioError && !isDeathCode(e.code)) throw cancelled()
      throw e
    } finally {
      opts.signal?.removeEventListener('abort', onAbort)
    }
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.stopHealthChecks()
    const child = this.child
    if (!child) return
    await new Promise<void>((resolve) => {
      child.onExit(() => resolve())
      child.kill()
    })
    this.child = null
  }
}

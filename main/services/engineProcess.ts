/**
 * The host's handle on the engine process: start it, ask it things, run one job at a time with
 * progress and cancellation, and restart it when it dies. A crash fails the job in flight with
 * `engine.crashed`; the studio stays up and the next job runs on a fresh process.
 */
import type { EngineDescription, EngineState } from '../../core/engineTypes'
import { StudioError, studioError } from '../../core/result'
import { replySchema, type EngineReply } from '../../engine/protocol'
import type { EngineJobRequest, EngineJobResult, EngineLike, EngineProgress } from './engineLike'
import { spawnEngineChild, type EngineChild } from './engineProcessChild'

export type { EngineJobRequest, EngineJobResult } from './engineLike'

const START_TIMEOUT_MS = 60_000
const PING_TIMEOUT_MS = 10_000
const HEALTH_INTERVAL_MS = 15_000

interface Pending {
  resolve(reply: EngineReply): void
  reject(error: StudioError): void
}

interface RunningJob {
  readonly id: number
  readonly onProgress: ((p: EngineProgress) => void) | undefined
  lastPreview: Uint8Array | null
  resolve(result: EngineJobResult): void
  reject(error: StudioError): void
}

const crashed = (why: string) =>
  new StudioError(
    studioError(
      'engine.crashed',
      `The engine process stopped during the job (${why}).`,
      'It has been restarted; run the job again. If it keeps happening, try fewer steps, a smaller size or the CPU provider.',
    ),
  )

export class EngineProcess implements EngineLike {
  private child: EngineChild | null = null
  private state: EngineState = 'starting'
  private restarts = 0
  /** Exits since the last successful start: a child that dies at start every time is not restarted forever. */
  private failuresInARow = 0
  private nextId = 1
  private stopping = false
  private starting: Promise<void> | null = null
  private readonly pending = new Map<number, Pending>()
  private job: RunningJob | null = null
  private health: NodeJS.Timeout | null = null
  private readonly listeners = new Set<(state: EngineState, reason: string | null) => void>()
  private readonly log: (line: string) => void

  constructor(private readonly opts: { modelDirs: string[]; provider?: string; log?: (line: string) => void }) {
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
    this.starting ??= this.spawn().finally(() => (this.starting = null))
    return this.starting
  }

  private async spawn(): Promise<void> {
    this.setState(this.restarts > 0 ? 'restarting' : 'starting')
    const env: Record<string, string> = { KONTEXT_MODEL_DIRS: JSON.stringify(this.opts.modelDirs) }
    if (this.opts.provider) env.KONTEXT_PROVIDER = this.opts.provider
    const child = await spawnEngineChild({ env, log: this.log })
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
    await ready
    await this.request({ type: 'ping' }, PING_TIMEOUT_MS)
    this.failuresInARow = 0
    this.setState('ready')
    this.startHealthChecks()
  }

  private onExit(child: EngineChild, code: number | null, signal: string | null): void {
    if (this.child !== child) return
    this.child = null
    const why = signal ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`
    const error = this.stopping
      ? new StudioError(studioError('engine.stopped', 'The engine was shut down.', 'Start the studio again to run jobs.'))
      : crashed(why)
    this.job?.reject(error)
    this.job = null
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
    this.stopHealthChecks()
    if (this.stopping) return
    this.setState('crashed', `The engine process stopped (${why}).`)
    if (++this.failuresInARow > 3) {
      this.log(`engine: process stopped (${why}) ${this.failuresInARow} times in a row; not restarting it again`)
      return
    }
    this.restarts++
    this.log(`engine: process stopped (${why}); restarting`)
    void this.start().catch((e: unknown) => this.log(`engine: restart failed: ${e instanceof Error ? e.message : String(e)}`))
  }

  private onReply(reply: EngineReply): void {
    switch (reply.type) {
      case 'log':
        return this.log(reply.line)
      case 'preview':
        if (this.job?.id === reply.id) this.job.lastPreview = reply.png
        return
      case 'progress':
        if (this.job?.id === reply.id) {
          this.job.onProgress?.({ step: reply.step, totalSteps: reply.totalSteps, previewPng: this.job.lastPreview })
          this.job.lastPreview = null
        }
        return
      case 'result':
        if (this.job?.id === reply.id) this.settleJob((j) => j.resolve(reply.result))
        return
      case 'error':
        if (reply.id !== null && this.job?.id === reply.id) return this.settleJob((j) => j.reject(new StudioError(reply.error)))
        if (reply.id !== null && this.pending.has(reply.id)) {
          this.pending.get(reply.id)?.reject(new StudioError(reply.error))
          this.pending.delete(reply.id)
          return
        }
        return this.log(`engine: ${reply.error.message}`)
      default: {
        const p = 'id' in reply ? this.pending.get(reply.id) : undefined
        if (p && 'id' in reply) {
          this.pending.delete(reply.id)
          p.resolve(reply)
        }
      }
    }
  }

  private settleJob(settle: (j: RunningJob) => void): void {
    const j = this.job
    this.job = null
    if (j) settle(j)
    if (this.child) this.setState('ready')
  }

  private request(msg: { type: 'ping' | 'describe' | 'release' }, timeoutMs: number): Promise<EngineReply> {
    const child = this.child
    if (!child)
      return Promise.reject(new StudioError(studioError('engine.notRunning', 'The engine process is not running.', 'Start it first.')))
    const id = this.nextId++
    return new Promise<EngineReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new StudioError(studioError('engine.timeout', `The engine did not answer “${msg.type}” within ${timeoutMs / 1000} s.`)))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      child.send({ ...msg, id })
    })
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
        child.kill()
      })
    }, HEALTH_INTERVAL_MS)
    this.health.unref()
  }

  private stopHealthChecks(): void {
    if (this.health) clearInterval(this.health)
    this.health = null
  }

  private async ensureStarted(): Promise<void> {
    if (this.starting) await this.starting
    if (!this.child) await this.start()
  }

  async describe(): Promise<EngineDescription> {
    await this.ensureStarted()
    const reply = await this.request({ type: 'describe' }, 30_000)
    if (reply.type !== 'description') throw new Error(`unexpected reply ${reply.type}`)
    return { ...reply.description, state: this.state, pid: this.pid, restarts: this.restarts }
  }

  /** Frees the engine's sessions (memory back to the OS); returns how many were released. */
  async release(): Promise<number> {
    await this.ensureStarted()
    const reply = await this.request({ type: 'release' }, 30_000)
    return reply.type === 'released' ? reply.sessions : 0
  }

  async run(
    req: EngineJobRequest,
    opts: { onProgress?: (p: EngineProgress) => void; signal?: AbortSignal } = {},
  ): Promise<EngineJobResult> {
    const cancelled = () => new StudioError(studioError('job.cancelled', 'The job was cancelled.'))
    if (opts.signal?.aborted) throw cancelled()
    await this.ensureStarted()
    if (this.job)
      throw new StudioError(studioError('engine.busy', 'The engine is already running a job.', 'Wait for it to finish or cancel it.'))
    const child = this.child
    if (!child) throw crashed('it did not start')
    const id = this.nextId++
    const onAbort = () => child.send({ type: 'cancel', id: this.nextId++ })
    try {
      return await new Promise<EngineJobResult>((resolve, reject) => {
        this.job = { id, onProgress: opts.onProgress, lastPreview: null, resolve, reject }
        this.setState('busy')
        opts.signal?.addEventListener('abort', onAbort, { once: true })
        const job = { ...req, contexts: [...req.contexts] }
        child.send({ type: 'submit', id, job })
      })
    } catch (e) {
      if (opts.signal?.aborted && e instanceof StudioError && e.code !== 'engine.crashed') throw cancelled()
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

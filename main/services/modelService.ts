/**
 * The Models page's host side: cards for the bundled and installed models, one hub download at a
 * time (progress as `modelDownload` events; pause keeps the partial folder so Add resumes, even
 * after a restart of the studio; cancel removes it), folder import in place, verify and remove.
 *
 * The hub token: given in the page it is kept in this object's memory only (the web host), or in
 * a `TokenVault` when the shell has one (Electron `safeStorage` on the desktop); otherwise
 * `HF_TOKEN`. It is never written to a project, logged, or put in an error (the download code
 * redacts). `KONTEXT_HUB_URL_FOR_TESTS` points the host at a loopback imitation hub — tests only.
 */
import { isAbsolute } from 'node:path'
import type { RequestResults, StudioEvent, ValidParams } from '../../core/contract/api'
import type { ModelDownloadStatus, ModelsOverview } from '../../core/domain/modelCards'
import { testRunJob, type TestRunResult } from '../../core/domain/modelTest'
import { StudioError, studioError, toErrorData } from '../../core/result'
import { bundledCard, folderSize, storeCard } from '../../engine/models/cards'
import { CATALOGUE, catalogueEntry } from '../../engine/models/catalogue'
import { downloadModel } from '../../engine/models/hubDownload'
import { planHubDownload } from '../../engine/models/hubPlan'
import { readHubToken } from '../../engine/models/hubToken'
import { linkedIdFor, linkFolder } from '../../engine/models/linkFolder'
import { checkModelId, ModelStore } from '../../engine/models/store'
import { verifyModel } from '../../engine/models/verify'
import type { EngineLike } from './engineLike'
import { modelStoreDir } from './paths'

/** Where the desktop keeps the token (Electron safeStorage); absent on the web host. */
export interface TokenVault {
  load(): string | null
  save(token: string): void
}

export class ModelService {
  readonly store: ModelStore
  private memoryToken: string | null = null
  private active: { id: string; abort: AbortController; discard: boolean } | null = null
  private status: ModelDownloadStatus | null = null
  private readonly hubUrl: string | undefined

  constructor(
    private readonly engine: EngineLike,
    private readonly emit: (e: StudioEvent) => void,
    private vault: TokenVault | null = null,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.store = new ModelStore(modelStoreDir())
    this.hubUrl = env.KONTEXT_HUB_URL_FOR_TESTS || undefined
  }

  /** The desktop shell hands its safeStorage vault here (main/electron/tokenVault.ts). */
  useVault(vault: TokenVault | null): void {
    this.vault = vault
  }

  private token(): { token: string | null; from: ModelsOverview['token'] } {
    if (this.memoryToken) return { token: this.memoryToken, from: this.vault ? 'safeStorage' : 'memory' }
    const saved = this.vault?.load() ?? null
    if (saved) return { token: saved, from: 'safeStorage' }
    const env = readHubToken(this.env, undefined)
    return env.from === 'none' ? { token: null, from: 'none' } : { token: env.token, from: 'HF_TOKEN' }
  }

  async list(): Promise<ModelsOverview> {
    const d = await this.engine.describe()
    const stored = this.store.list()
    // A store model is also in the engine's list (it runs it); its card is the store's.
    const cards = [
      ...d.models.filter((m) => !stored.some((e) => e.id === m.id)).map((m) => bundledCard(m, folderSize(m.dir), d.providers)),
      ...stored.map((e) => storeCard(this.store, e, d.providers)),
    ]
    let from: ModelsOverview['token'] = 'none'
    try {
      from = this.token().from
    } catch {
      // A malformed HF_TOKEN shows up when a download is asked for, with its own message.
    }
    return {
      cards,
      catalogue: CATALOGUE.map((e) => ({
        id: e.id,
        name: e.name,
        purpose: e.purpose,
        licenceName: e.licence.name,
        licenceUrl: e.licence.url,
        licenceSentence: e.licence.sentence,
        gated: e.gated,
        precisions: Object.keys(e.plans),
      })),
      download: this.status,
      token: from,
      providers: d.providers,
      activeProvider: d.activeProvider,
    }
  }

  private publish(status: ModelDownloadStatus): void {
    this.status = status
    this.emit({ kind: 'modelDownload', status })
  }

  add(p: ValidParams<'addModel'>): RequestResults['addModel'] {
    const entry = catalogueEntry(p.catalogueId)
    if (!entry) throw new StudioError(studioError('model.notFound', `No catalogue model “${p.catalogueId}”.`))
    if (this.active) throw new StudioError(studioError('model.busy', `${this.active.id} is downloading; wait for it or cancel it first.`))
    if (p.token) {
      this.memoryToken = p.token
      this.vault?.save(p.token)
    }
    const token = this.token().token
    const abort = new AbortController()
    const active = { id: entry.id, abort, discard: false }
    this.active = active
    const base = { id: entry.id, name: entry.name }
    this.publish({ ...base, state: 'planning', progress: null, error: null })
    const access = { ...(this.hubUrl ? { hubUrl: this.hubUrl } : {}), accessToken: token }
    let last: ModelDownloadStatus['progress'] = null
    void (async () => {
      try {
        const plan = await planHubDownload(entry, p.precision ?? 'bf16', access)
        await downloadModel(this.store, entry.id, entry, plan, {
          ...access,
          signal: abort.signal,
          onCancel: 'keep',
          onProgress: (progress) => {
            last = progress
            this.publish({ ...base, state: progress.phase, progress, error: null })
          },
        })
        await this.reloadEngine()
        this.publish({ ...base, state: 'installed', progress: last, error: null })
      } catch (e) {
        const error = toErrorData(e, 'model.download')
        if (error.code === 'job.cancelled') {
          if (active.discard) this.store.remove(entry.id)
          this.publish({ ...base, state: active.discard ? 'cancelled' : 'paused', progress: active.discard ? null : last, error: null })
        } else this.publish({ ...base, state: 'failed', progress: last, error })
      } finally {
        if (this.active === active) this.active = null
      }
    })()
    return { started: true }
  }

  cancel(p: ValidParams<'cancelModelDownload'>): RequestResults['cancelModelDownload'] {
    if (this.active?.id === p.id) {
      this.active.discard = p.discard
      this.active.abort.abort()
      return { cancelled: true }
    }
    // Not running (a paused or failed download): cancelling it removes what was fetched.
    if (p.discard && this.store.partial(p.id)) {
      this.store.remove(p.id)
      this.publish({ id: p.id, name: p.id, state: 'cancelled', progress: null, error: null })
      return { cancelled: true }
    }
    return { cancelled: false }
  }

  remove(p: ValidParams<'removeModel'>): void {
    if (this.active?.id === p.id) throw new StudioError(studioError('model.busy', `${p.id} is downloading; cancel it first.`))
    this.store.remove(p.id)
    if (this.status?.id === p.id) this.status = null
    void this.reloadEngine()
  }

  /** The engine reads its model folders when it starts: a fresh one lists what changed. */
  private async reloadEngine(): Promise<void> {
    try {
      await this.engine.reloadModels?.()
    } catch {
      // A failed restart is the engine's own state (shown in the status bar); the store is already right.
    }
  }

  async importFolder(p: ValidParams<'importModelFolder'>): Promise<RequestResults['importModelFolder']> {
    // A typed path, not a picker's: it must be absolute (the host's working folder means nothing to the user).
    if (!isAbsolute(p.path))
      throw new StudioError(studioError('model.badFolder', 'Give the folder’s full path.', 'For example /home/me/ComfyUI/models.'))
    const id = checkModelId(p.id ?? linkedIdFor(p.path))
    linkFolder(this.store, id, p.path, p.quantise ? { quantise: p.quantise } : {})
    await this.reloadEngine()
    return { id }
  }

  /**
   * One real step of the model on the studio's engine (its provider ladder, set when the studio
   * starts). Never cuts into a job: a busy engine is reported as the reason.
   */
  async testRun(p: ValidParams<'testModel'>): Promise<RequestResults['testModel']> {
    const start = performance.now()
    const failed = (reason: string, provider: string | null = null): TestRunResult => ({
      id: p.id,
      ok: false,
      provider,
      width: 0,
      height: 0,
      steps: 0,
      ms: performance.now() - start,
      reason,
    })
    const d = await this.engine.describe()
    const summary = d.models.find((m) => m.id === p.id)
    if (!summary) {
      const broken = d.brokenModels?.find((b) => b.dir.endsWith(`/${p.id}`))
      return failed(broken ? broken.message : `The engine does not list ${p.id}; Verify says what is wrong with it.`)
    }
    const job = testRunJob(summary)
    try {
      const r = await this.engine.run({ ...job, contexts: [] }, {})
      const after = await this.engine.describe()
      return {
        id: p.id,
        ok: true,
        provider: after.activeProvider,
        width: r.width,
        height: r.height,
        steps: job.steps,
        ms: performance.now() - start,
        reason: null,
      }
    } catch (e) {
      const err = toErrorData(e, 'engine.failed')
      return { ...failed(`${err.message}${err.hint ? ` ${err.hint}` : ''}`), width: job.width, height: job.height, steps: job.steps }
    }
  }

  /** The Fit section's plan, from the engine (it has the model's tensors and sees the free memory). */
  async fit(p: ValidParams<'fitModel'>): Promise<RequestResults['fitModel']> {
    if (!this.engine.planFit)
      throw new StudioError(studioError('engine.failed', 'This engine cannot plan memory.', 'Restart the studio with its own engine.'))
    return this.engine.planFit(p)
  }

  async verify(p: ValidParams<'verifyModel'>): Promise<RequestResults['verifyModel']> {
    return { problems: (await verifyModel(this.store, p.id)).problems }
  }

  dispose(): void {
    this.active?.abort.abort()
  }
}

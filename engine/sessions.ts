/**
 * ONNX Runtime sessions — the only module that imports onnxruntime-node.
 *
 * Provider ladder: CUDA → DirectML → WebGPU → CPU. onnxruntime throws for a provider that is built
 * in but cannot start (CUDA without its libraries, WebGPU without an adapter) even when 'cpu'
 * follows it in the list (STACK_NOTES §4.3), so each rung is tried on its own; a failure logs one
 * line and is remembered for the life of the process so later sessions skip it. Sessions are
 * created lazily, cached by (model, component, provider) and loaded by path, so external-data
 * weights (> 2 GB) resolve beside the graph (§4.4).
 */
import * as ort from 'onnxruntime-node'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { ProviderInfo } from '../core/domain/engineTypes'
import { err, ok, StudioError, studioError, type Result } from '../core/result'
import { printableName } from './manifest/confine'
import type { GraphIo } from './manifest/validate'
import { probeInChild, providerChoiceLine, providerPrecondition, type RungNote } from './providerProbe'

export const PROVIDER_NAMES = ['cuda', 'dml', 'webgpu', 'cpu'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]

export type TensorData =
  | { readonly dtype: 'float32'; readonly data: Float32Array; readonly dims: readonly number[] }
  | { readonly dtype: 'int64'; readonly data: BigInt64Array; readonly dims: readonly number[] }
  | { readonly dtype: 'int32'; readonly data: Int32Array; readonly dims: readonly number[] }
  | { readonly dtype: 'float16'; readonly data: Uint16Array; readonly dims: readonly number[] }

export interface LoadedSession {
  readonly io: GraphIo
  readonly provider: ProviderName
  /** Runs the graph; throws an Error naming every missing input, or the feeds' dims and types on failure. */
  run(feeds: Readonly<Record<string, TensorData>>): Promise<Record<string, TensorData>>
}

// onnxruntime 1.30's own telemetry writes a device id and an event database under
// ~/.cache/Microsoft/DeveloperTools and uploads them; a desktop studio sends nothing without
// consent. The library reads this when its environment is created (the first session), so
// setting it here, before any session exists, is enough whatever order a bundler loads modules in.
process.env.ORT_DISABLE_TELEMETRY = '1'

hideFloat16ArrayOnce()

/** Node ≥ 24 / Electron: ORT 1.30 rejects Float16Array-backed fp16 tensors (STACK_NOTES §4.5). */
function hideFloat16ArrayOnce(): void {
  const g = globalThis as { Float16Array?: unknown }
  const f16 = g.Float16Array
  if (f16 === undefined) return
  delete g.Float16Array
  try {
    new ort.Tensor('float16', new Uint16Array(1), [1]) // fixes ORT's typed-array map to Uint16Array
  } finally {
    g.Float16Array = f16
  }
}

export const ortVersion = (): string => ort.env.versions.node ?? ort.env.versions.common

const backends = () => ort.listSupportedBackends()

export function listProviders(): ProviderInfo[] {
  return backends().map((b) => {
    const known = (PROVIDER_NAMES as readonly string[]).includes(b.name)
    const usable = known && available(b.name as ProviderName)
    return { name: b.name, bundled: b.bundled, usable, why: usable ? providerNeeds(b.name) : providerMissing(b.name, known) }
  })
}

/** What a usable provider still needs at run time (tried at the first job; CPU is the fallback). */
function providerNeeds(name: string): string | null {
  if (name === 'webgpu') return 'needs a GPU adapter, tried at the first job (falls back to CPU)'
  if (name === 'cuda') return 'needs CUDA 12 and cuDNN 9 on this machine, tried at the first job (falls back to CPU)'
  return null
}

function providerMissing(name: string, known: boolean): string {
  if (!known) return 'not used by the engine'
  if (name === 'cuda')
    return process.platform === 'linux'
      ? 'not installed: run `npm run gpu:install` (Linux x64; CUDA 12 and cuDNN 9 must be present), then start with --provider cuda'
      : 'published for Linux x64 only'
  return `not available in this onnxruntime build on ${process.platform}`
}

/** CUDA needs provider libraries beside libonnxruntime that the npm tarball does not ship. */
function cudaLibrariesPresent(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json')
    return existsSync(join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'))
  } catch {
    return false
  }
}

function available(name: ProviderName): boolean {
  if (name === 'cpu') return true
  if (name === 'dml') return process.platform === 'win32' && backends().some((p) => p.name === 'dml')
  if (name === 'cuda') return backends().some((p) => p.name === 'cuda') && cudaLibrariesPresent()
  return backends().some((p) => p.name === name)
}

/**
 * The rungs to try, from an explicit request (option or flag), else $KONTEXT_PROVIDER, else auto.
 * An explicit provider is tried first, then CPU; a name this build cannot run is an error. The
 * rungs in $KONTEXT_PROVIDER_SKIP (set by the host after a crash on them) are left out; CPU stays.
 */
export function resolveLadder(requested: string | undefined): Result<ProviderName[]> {
  const ladder = fullLadder(requested)
  if (!ladder.ok) return ladder
  // Rungs the host saw the engine die on (a GPU driver crash, device OOM): the next rung runs.
  const skip = new Set((process.env.KONTEXT_PROVIDER_SKIP ?? '').split(',').filter((p) => p !== 'cpu'))
  return ok(ladder.value.filter((p) => !skip.has(p)))
}

function fullLadder(requested: string | undefined): Result<ProviderName[]> {
  const choice = (requested ?? process.env.KONTEXT_PROVIDER ?? 'auto').toLowerCase()
  if (choice === 'auto') return ok(PROVIDER_NAMES.filter(available))
  const known = (PROVIDER_NAMES as readonly string[]).includes(choice)
  if (!known || !available(choice as ProviderName)) {
    const usable = ['auto', ...PROVIDER_NAMES.filter(available)].join(', ')
    const why =
      choice === 'cuda' && process.platform === 'linux'
        ? 'needs the CUDA provider libraries, which are not installed (run `npm run gpu:install`; CUDA 12 and cuDNN 9 must be present)'
        : known
          ? `is not available in this onnxruntime build on ${process.platform}`
          : 'is not a provider the engine knows'
    return err(studioError('provider.unsupported', `Execution provider “${choice}” ${why}.`, `Use one of: ${usable}.`))
  }
  return ok(choice === 'cpu' ? ['cpu'] : [choice as ProviderName, 'cpu'])
}

const EP_OPTIONS: Record<ProviderName, ort.InferenceSession.ExecutionProviderConfig> = {
  cuda: { name: 'cuda', deviceId: 0 },
  dml: { name: 'dml', deviceId: 0 },
  webgpu: { name: 'webgpu' },
  cpu: 'cpu',
}

function describeIo(session: ort.InferenceSession): GraphIo {
  const side = (meta: readonly ort.InferenceSession.ValueMetadata[]) =>
    meta.map((m) =>
      m.isTensor ? { name: m.name, dtype: String(m.type), rank: m.shape.length } : { name: m.name, dtype: null, rank: null },
    )
  return { inputs: side(session.inputMetadata), outputs: side(session.outputMetadata) }
}

function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.dtype, t.data, t.dims)
}

function fromOrt(name: string, t: ort.OnnxValue): TensorData {
  const tensor = t as ort.Tensor
  const dims = [...tensor.dims]
  switch (tensor.type) {
    case 'float32':
      return { dtype: 'float32', data: tensor.data as Float32Array, dims }
    case 'int64':
      return { dtype: 'int64', data: tensor.data as BigInt64Array, dims }
    case 'int32':
      return { dtype: 'int32', data: tensor.data as Int32Array, dims }
    case 'float16':
      return { dtype: 'float16', data: tensor.data as Uint16Array, dims }
    default:
      throw new Error(`output ${name} has dtype ${tensor.type}, which the engine does not read`)
  }
}

function wrap(session: ort.InferenceSession, label: string, provider: ProviderName): LoadedSession {
  const io = describeIo(session)
  return {
    io,
    provider,
    async run(feeds) {
      const missing = session.inputNames.filter((n) => !(n in feeds))
      if (missing.length)
        throw new Error(
          `${label}: missing input${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (have ${Object.keys(feeds).join(', ')})`,
        )
      const ortFeeds: Record<string, ort.Tensor> = {}
      for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v)
      try {
        const out = await session.run(ortFeeds)
        const result: Record<string, TensorData> = {}
        for (const [k, v] of Object.entries(out)) result[k] = fromOrt(k, v)
        return result
      } catch (e) {
        const shapes = Object.entries(feeds)
          .map(([k, v]) => `${k}: ${v.dtype}[${v.dims.join(',')}]`)
          .join(', ')
        throw new Error(`${label} failed: ${e instanceof Error ? e.message : String(e)} (feeds ${shapes})`)
      }
    },
  }
}

/**
 * Opens a graph the engine built in memory (engine/graph/) from its serialised bytes, on one
 * provider, uncached — the caller owns the session's lifetime.
 */
export async function openGraphBytes(
  bytes: Uint8Array,
  label: string,
  opts: { provider?: ProviderName; intraOpThreads?: number } = {},
): Promise<LoadedSession & { release(): Promise<void> }> {
  const provider = opts.provider ?? 'cpu'
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [EP_OPTIONS[provider]],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
  })
  return { ...wrap(session, label, provider), release: () => session.release() }
}

/**
 * onnxruntime's CPU threads wait for work by spinning. Between the short ops of a small model and
 * beside the studio's other processes that burnt a third of the engine's CPU time for nothing:
 * `npm run bench:paths` (kontext-tiny, 20 images, 2 cores) measured 270 → 161–173 CPU ms per edit
 * with spinning off, and wall time no worse (136 → 121–130 ms). GPU providers are unaffected.
 */
const NO_SPINNING = { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } }

export interface SessionPoolOptions {
  readonly provider?: string
  readonly log?: (line: string) => void
  readonly intraOpThreads?: number
  /**
   * Only the requested provider, no CPU fallback: what `models validate --provider P` checks, so a
   * graph that opens only on the CPU rung does not pass for the provider it will be run on.
   */
  readonly only?: boolean
}

/**
 * WebGPU's first start prints native warnings (Dawn) that JavaScript cannot catch, so it is tried
 * once per process in a child first; CPU, CUDA and DirectML report through onnxruntime's errors.
 */
const probes = new Map<ProviderName, Promise<string | null>>()
function probeOnce(provider: ProviderName): Promise<string | null> {
  if (provider !== 'webgpu') return Promise.resolve(null)
  let p = probes.get(provider)
  if (!p) probes.set(provider, (p = probeInChild(provider, (m) => providerFailureReason(new Error(m)))))
  return p
}

/** Lazily created sessions keyed by (model, component, provider). */
export class SessionPool {
  private readonly sessions = new Map<string, { session: ort.InferenceSession; loaded: LoadedSession; model: string; component: string }>()
  private readonly failed = new Set<ProviderName>()
  private readonly notes: RungNote[] = []
  private active: ProviderName | null = null

  constructor(private readonly opts: SessionPoolOptions = {}) {}

  /** Checks the provider request without creating anything. */
  checkProvider(): Result<ProviderName[]> {
    return resolveLadder(this.opts.provider)
  }

  get activeProvider(): ProviderName | null {
    return this.active
  }

  async get(model: string, component: string, path: string): Promise<LoadedSession> {
    const ladder = resolveLadder(this.opts.provider)
    if (!ladder.ok) throw new StudioError(ladder.error)
    for (const provider of this.opts.only ? ladder.value.slice(0, 1) : ladder.value) {
      if (this.failed.has(provider)) continue
      const key = `${model}\u0000${component}\u0000${provider}`
      const cached = this.sessions.get(key)
      if (cached) return cached.loaded
      const precondition = providerPrecondition(provider) ?? (await probeOnce(provider))
      if (precondition) {
        if (this.opts.only)
          throw new StudioError(studioError('provider.unsupported', `Execution provider “${provider}” cannot start here: ${precondition}.`))
        this.skip(provider, precondition)
        continue
      }
      try {
        const session = await ort.InferenceSession.create(path, {
          executionProviders: [EP_OPTIONS[provider]],
          graphOptimizationLevel: 'all',
          logSeverityLevel: 3,
          extra: NO_SPINNING,
          ...(this.opts.intraOpThreads ? { intraOpNumThreads: this.opts.intraOpThreads } : {}),
        })
        const loaded = wrap(session, `${model}/${component}`, provider)
        this.sessions.set(key, { session, loaded, model, component })
        if (this.active !== provider) this.opts.log?.(providerChoiceLine(this.requested, this.notes, provider))
        this.active = provider
        return loaded
      } catch (e) {
        // A graph onnxruntime cannot parse fails on every provider: that is the file's fault.
        if (provider === 'cpu' || this.opts.only || isGraphFileFailure(e)) throw e
        this.skip(provider, providerFailureReason(e))
      }
    }
    throw new Error('no execution provider could start (the CPU rung was skipped)')
  }

  private get requested(): string {
    return (this.opts.provider ?? process.env.KONTEXT_PROVIDER ?? 'auto').toLowerCase()
  }

  private skip(provider: ProviderName, why: string): void {
    this.failed.add(provider)
    this.notes.push({ provider, why })
  }

  /** Frees every session, or only those of one model (and of one of its components). */
  async release(model?: string, component?: string): Promise<number> {
    let n = 0
    for (const [key, entry] of [...this.sessions]) {
      if (model !== undefined && entry.model !== model) continue
      if (component !== undefined && entry.component !== component) continue
      this.sessions.delete(key)
      await entry.session.release()
      n++
    }
    return n
  }

  get size(): number {
    return this.sessions.size
  }
}

/**
 * The readable part of an execution provider's start-up error: onnxruntime prefixes it with a
 * source location and a C++ assertion ("…webgpu_context.cc:136 … was false. Failed to get a WebGPU
 * adapter: No supported adapters"); users need the last sentence.
 */
export function providerFailureReason(e: unknown): string {
  const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
  const sentences = first.split(/(?<=\.)\s+(?=[A-Z])/)
  return (sentences[sentences.length - 1] ?? first).trim().slice(0, 200)
}

/** onnxruntime's wording for a graph file it cannot read (as opposed to a provider that cannot start). */
function isGraphFileFailure(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e)
  return /Protobuf parsing failed|ModelProto does not have a graph|File doesn't exist|No graph was found/i.test(msg)
}

/**
 * A graph load failure in our words: the file is not ONNX, or onnxruntime's own reason without its
 * "Load model from <path> failed:" prefix and C++ source location.
 */
export function graphLoadProblem(e: unknown): string {
  if (isGraphFileFailure(e)) return 'is not an ONNX file (onnxruntime could not parse it)'
  const msg = (e instanceof Error ? e.message : String(e)).replace(/^Load model from .*? failed:/s, '')
  // The reason may name parts of the graph; it is cut short and cleaned of control characters.
  return `could not be loaded by onnxruntime: ${printableName(providerFailureReason(new Error(msg)), 200)}${loadHint(msg)}`
}

/**
 * What to do about the two failures the FLUX.1 Kontext ONNX export meets: 16-bit boundaries the JS
 * API cannot feed, and bfloat16 weights the CPU provider has no kernels for.
 */
export function loadHint(msg: string): string {
  if (/Unsupported data type: 16\b/.test(msg))
    return ' — its inputs or outputs are bfloat16, which onnxruntime’s JavaScript API cannot feed or read; `kontext models import DIR` rewrites the boundaries to float32'
  const op = /Could not find an implementation for (\w+)\(\d+\)/.exec(msg)
  if (op)
    return ` — no kernel for ${op[1]} with the graph’s types on this provider (the CPU provider has none for bfloat16 weights); run it where bf16 kernels exist (--provider cuda after \`npm run gpu:install\`), or use the safetensors release, which the engine builds as float32 graphs`
  return ''
}

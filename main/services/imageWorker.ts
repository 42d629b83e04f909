/**
 * The host's handle on the image worker (engine/image/workerHost.ts), the process that decodes
 * every user image. The host sends bytes and stores what comes back; it never decodes. When the
 * worker dies mid-request (a decoder crash, an out-of-memory kill), each request in flight fails
 * with `image.workerCrashed` naming what it was reading, the studio stays up, and the next
 * request starts a fresh worker. Started lazily, so a host that never touches an image never
 * spawns one.
 */
import { displayFileName } from '../../core/domain/displayText'
import type { BlobMeta, ImageFormat } from '../../core/domain/model'
import type { MaskPreset } from '../../core/domain/regionPreset'
import { StudioError, studioError } from '../../core/result'
import { refuse } from '../../engine/image/imageRefusals'
import { workerReplySchema, type WorkerReply, type WorkerRequest } from '../../engine/image/workerProtocol'
import { spawnEngineChild, type ChildEntry, type EngineChild, type SpawnOptions } from './engineProcessChild'

export const IMAGE_WORKER_ENTRY: ChildEntry = {
  bundle: 'imageWorker.js',
  source: 'engine/image/workerHost.ts',
  serviceName: 'Kontext image worker',
  logPrefix: 'image worker',
}

const START_TIMEOUT_MS = 60_000

export interface IngestedFile {
  readonly meta: BlobMeta
  readonly png: Uint8Array
  readonly sourceFormat: ImageFormat
  /** The file's PNG text chunks (empty for other formats). */
  readonly text: Readonly<Record<string, string>>
}

export interface EncodedImage {
  readonly bytes: Uint8Array
  readonly width: number
  readonly height: number
}

/** Everything the host asks of images; each call fails with a StudioError that says why. */
export interface ImageService {
  /** The one ingest: decode → normalise → hash → BlobMeta, with the studio's limits and refusals. */
  ingest(bytes: Uint8Array, fileName: string): Promise<IngestedFile>
  thumbnail(png: Uint8Array, size: number): Promise<Uint8Array>
  /** A stored image re-encoded for export; `text` goes into PNG text chunks. */
  exportImage(image: Uint8Array, format: 'png' | 'jpeg' | 'webp', scale: number, text?: Record<string, string>): Promise<EncodedImage>
  fitPng(png: Uint8Array, maxSide: number): Promise<Uint8Array>
  rgbaFitted(image: Uint8Array, width: number, height: number, background: { r: number; g: number; b: number }): Promise<Uint8Array>
  drift(image: Uint8Array, other: Uint8Array, mask: Uint8Array | null): Promise<number>
  /** A batch preset's region mask made from the photo, as a PNG (white = edit). */
  regionMask(image: Uint8Array, preset: MaskPreset): Promise<Uint8Array>
}

export interface ImageWorkerOptions {
  readonly log?: (line: string) => void
  /** How a child is started (default: the real one); tests wrap it to see each worker appear. */
  readonly spawn?: (opts: SpawnOptions) => Promise<EngineChild>
}

type Request = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

interface Pending {
  readonly what: string
  resolve(reply: WorkerReply): void
  reject(error: StudioError): void
}

const stopped = () => new StudioError(studioError('image.workerStopped', 'The image worker was shut down.', 'Start the studio again.'))

export class ImageWorker implements ImageService {
  private child: EngineChild | null = null
  private starting: Promise<EngineChild> | null = null
  private nextId = 1
  private stopping = false
  private started = 0
  private readonly pending = new Map<number, Pending>()
  private readonly log: (line: string) => void

  constructor(private readonly opts: ImageWorkerOptions = {}) {
    this.log = opts.log ?? (() => {})
  }

  /** The worker's process id (null when none is running). */
  get pid(): number | null {
    return this.child?.pid ?? null
  }

  /** How many workers this handle has started (1 + restarts). */
  get starts(): number {
    return this.started
  }

  async ingest(bytes: Uint8Array, fileName: string): Promise<IngestedFile> {
    const reply = await this.request({ type: 'ingest', fileName, bytes }, `“${displayFileName(fileName)}”`)
    if (reply.type !== 'ingested') throw unexpected(reply)
    return {
      meta: { ...reply.meta, hash: reply.meta.hash as BlobMeta['hash'] },
      png: reply.png,
      sourceFormat: reply.sourceFormat,
      text: reply.text,
    }
  }

  async thumbnail(png: Uint8Array, size: number): Promise<Uint8Array> {
    return (await this.encoded({ type: 'thumbnail', png, size }, 'an image for its thumbnail')).bytes
  }

  exportImage(image: Uint8Array, format: 'png' | 'jpeg' | 'webp', scale: number, text?: Record<string, string>): Promise<EncodedImage> {
    return this.encoded({ type: 'export', image, format, scale, ...(text ? { text } : {}) }, 'the image to export')
  }

  async fitPng(png: Uint8Array, maxSide: number): Promise<Uint8Array> {
    return (await this.encoded({ type: 'fit', png, maxSide }, 'a storyboard frame')).bytes
  }

  async rgbaFitted(image: Uint8Array, width: number, height: number, background: { r: number; g: number; b: number }): Promise<Uint8Array> {
    const reply = await this.request({ type: 'rgbaFitted', image, width, height, background }, 'a storyboard frame')
    if (reply.type !== 'rgba') throw unexpected(reply)
    // Bytes that crossed the process boundary may be a view into a larger message buffer; pixel
    // consumers such as gifenc read `.buffer` whole, so hand them an array of their own.
    const { data } = reply
    return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data : data.slice()
  }

  async drift(image: Uint8Array, other: Uint8Array, mask: Uint8Array | null): Promise<number> {
    const reply = await this.request({ type: 'drift', image, other, mask }, 'two images to compare')
    if (reply.type !== 'drift') throw unexpected(reply)
    return reply.value
  }

  async regionMask(image: Uint8Array, preset: MaskPreset): Promise<Uint8Array> {
    return (await this.encoded({ type: 'regionMask', image, preset }, 'a photo for its region mask')).bytes
  }

  private async encoded(req: Request, what: string): Promise<EncodedImage> {
    const reply = await this.request(req, what)
    if (reply.type !== 'encoded') throw unexpected(reply)
    return reply
  }

  /** Sends one request and waits for its reply; `what` names the input in a crash's sentence. */
  private async request(req: Request, what: string): Promise<WorkerReply> {
    if (this.stopping) throw stopped()
    const child = await this.ensureStarted()
    const id = this.nextId++
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { what, resolve, reject })
    })
    child.keepAlive?.(true)
    child.send({ ...req, id })
    try {
      return await reply
    } finally {
      if (this.pending.size === 0) this.child?.keepAlive?.(false)
    }
  }

  private ensureStarted(): Promise<EngineChild> {
    if (this.child) return Promise.resolve(this.child)
    this.starting ??= this.spawn().finally(() => (this.starting = null))
    return this.starting
  }

  private async spawn(): Promise<EngineChild> {
    const child = await (this.opts.spawn ?? spawnEngineChild)({ env: {}, log: this.log, entry: IMAGE_WORKER_ENTRY })
    this.started++
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill()
        reject(new StudioError(studioError('image.workerStartFailed', 'The image worker did not start within a minute.')))
      }, START_TIMEOUT_MS)
      child.onMessage((raw) => {
        const parsed = workerReplySchema.safeParse(raw)
        if (!parsed.success) return this.log(`image worker: ignored a malformed message (${parsed.error.issues[0]?.message ?? '?'})`)
        if (parsed.data.type === 'ready') {
          clearTimeout(timer)
          this.child = child
          resolve()
        } else this.onReply(parsed.data)
      })
      child.onExit((code, signal) => {
        clearTimeout(timer)
        reject(
          new StudioError(
            studioError(
              'image.workerStartFailed',
              `The image worker exited while starting (code ${code ?? '–'}${signal ? `, ${signal}` : ''}).`,
              'Try again; if it keeps happening, restart the studio.',
            ),
          ),
        )
        this.onExit(child, code, signal)
      })
    })
    child.keepAlive?.(false)
    return child
  }

  private onReply(reply: WorkerReply): void {
    if (reply.type === 'ready') return
    const id = reply.id
    const waiting = id === null ? undefined : this.pending.get(id)
    if (!waiting || id === null) {
      if (reply.type === 'error') this.log(`image worker: ${reply.error.message}`)
      return
    }
    this.pending.delete(id)
    if (reply.type === 'error') waiting.reject(new StudioError(reply.error))
    else waiting.resolve(reply)
  }

  /** Every request in flight fails with what it was reading; the next request starts a new worker. */
  private onExit(child: EngineChild, code: number | null, signal: string | null): void {
    if (this.child === child) this.child = null
    const why = signal ? `killed by ${signal}` : `exit code ${code ?? 'unknown'}`
    if (!this.stopping) this.log(`image worker: process stopped (${why}); the next request starts a new one`)
    for (const p of this.pending.values()) p.reject(this.stopping ? stopped() : new StudioError(refuse.workerCrashed(p.what)))
    this.pending.clear()
  }

  async stop(): Promise<void> {
    this.stopping = true
    await this.starting?.catch(() => {})
    const child = this.child
    if (!child) return
    await new Promise<void>((resolve) => {
      child.onExit(() => resolve())
      child.kill()
    })
    this.child = null
  }
}

const unexpected = (reply: WorkerReply) =>
  new StudioError(studioError('image.badReply', `The image worker answered with an unexpected “${reply.type}”.`))

let shared: ImageWorker | null = null

/** The host process's one image worker (the desktop app and the web host each start one). */
export function sharedImageWorker(): ImageWorker {
  shared ??= new ImageWorker({ log: (line) => console.error(line) })
  return shared
}

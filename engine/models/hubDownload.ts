/**
 * Downloads a planned model into `<id>.partial/` with @huggingface/hub, then verifies every file
 * and renames the folder into place. Resume is the library's own range support: `downloadFile`
 * gives a `WebBlob`, and `blob.slice(bytesOnDisk).stream()` asks the hub for the rest with a
 * Range header — after a dropped connection (retried here) or a restart (the partial file's size
 * is where the next run starts). Free space for everything still to come is checked before the
 * first byte. Cancel aborts the transfer; the caller chooses to keep the partial folder (to
 * resume) or discard it.
 */
import { downloadFile, fileDownloadInfo } from '@huggingface/hub'
import { existsSync, mkdirSync, rmSync, statfsSync, statSync, truncateSync, unlinkSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { StudioError, studioError } from '../../core/result'
import type { CatalogueEntry } from './catalogue'
import { gitBlobOid, sha256File } from './fileHash'
import { hubErrorData, isRetryable } from './hubErrors'
import { hubParams, type HubAccess, type HubPlan } from './hubPlan'
import { readInstallRecord, writeInstallRecord, type InstallFile, type InstallRecord } from './installRecord'
import { secondsLeft, SpeedMeter, type DownloadProgress } from './progress'
import type { ModelStore } from './store'

export interface DownloadOptions extends HubAccess {
  readonly signal?: AbortSignal
  readonly onProgress?: (p: DownloadProgress) => void
  /** On cancel: keep `<id>.partial/` so the next run resumes (the CLI), or remove it (the studio's Cancel). */
  readonly onCancel?: 'keep' | 'discard'
  /** Retries per file after a dropped connection (each resumes from the bytes on disk). */
  readonly retries?: number
  readonly retryDelayMs?: number
  /** Free bytes where the model goes; `fs.statfs` by default (tests simulate a full disk here). */
  readonly freeBytes?: (dir: string) => number
  readonly now?: () => number
}

/** Room kept free beyond the model itself, so the studio's database and thumbnails still fit. */
export const DISK_MARGIN = 256 * 1024 * 1024

export function statfsFreeBytes(dir: string): number {
  const s = statfsSync(dir)
  return Number(s.bavail) * Number(s.bsize)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function cancelled(): StudioError {
  return new StudioError(studioError('job.cancelled', 'The download was cancelled.'))
}

function sizeOnDisk(p: string): number {
  return existsSync(p) ? statSync(p).size : 0
}

/** A record for the partial folder; an earlier partial at another commit is discarded, not mixed. */
function startRecord(store: ModelStore, id: string, entry: CatalogueEntry, plan: HubPlan): string {
  const dir = store.openPartial(id)
  const old = readInstallRecord(dir)
  if (
    old.ok &&
    (old.record.source.kind !== 'hub' || old.record.source.revision !== plan.revision || old.record.precision !== plan.precision)
  ) {
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })
  }
  const record: InstallRecord = {
    version: 1,
    id,
    name: entry.name,
    catalogue: entry.id,
    state: 'downloading',
    source: { kind: 'hub', repo: plan.repo, revision: plan.revision },
    precision: plan.precision,
    files: [...plan.files],
    components: {},
    problems: [],
    updatedAt: '',
  }
  writeInstallRecord(dir, record)
  return dir
}

async function appendStream(path: string, stream: ReadableStream<Uint8Array>, onBytes: (n: number) => void): Promise<void> {
  const fh = await open(path, 'a')
  try {
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      try {
        await fh.write(value)
      } catch (e) {
        await reader.cancel().catch(() => undefined)
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC')
          throw new StudioError(
            studioError(
              'model.diskFull',
              'The disk filled up during the download.',
              'Free some space; the download resumes where it stopped.',
            ),
          )
        throw e
      }
      onBytes(value.byteLength)
    }
  } finally {
    await fh.close()
  }
}

async function verifyFile(path: string, f: InstallFile, signal?: AbortSignal): Promise<string | null> {
  const size = sizeOnDisk(path)
  if (size !== f.size) return `${f.path} has ${size} bytes, the hub says ${f.size}`
  if (f.sha256) return (await sha256File(path, signal)) === f.sha256 ? null : `${f.path} does not match its SHA-256 on the hub`
  if (f.gitOid) return (await gitBlobOid(path, size, signal)) === f.gitOid ? null : `${f.path} does not match its id on the hub`
  return null
}

/** Downloads, verifies and installs `plan` as model `id`; returns the installed folder. */
export async function downloadModel(
  store: ModelStore,
  id: string,
  entry: CatalogueEntry,
  plan: HubPlan,
  o: DownloadOptions = {},
): Promise<string> {
  const token = o.accessToken ?? null
  const now = o.now ?? Date.now
  const dir = startRecord(store, id, entry, plan)
  const have = plan.files.map((f) => {
    const p = join(dir, f.path)
    // More bytes than the hub's size cannot be resumed from: start that file again.
    if (sizeOnDisk(p) > f.size) truncateSync(p, 0)
    return sizeOnDisk(p)
  })
  const totalSize = plan.files.reduce((s, f) => s + f.size, 0)
  const needed = plan.files.reduce((s, f, i) => s + f.size - have[i]!, 0)
  const free = (o.freeBytes ?? statfsFreeBytes)(dir)
  if (free < needed + DISK_MARGIN) {
    const gb = (n: number) => (n / 1e9).toFixed(1)
    throw new StudioError(
      studioError(
        'model.diskFull',
        `${entry.name} needs ${gb(needed)} GB more (${gb(totalSize)} GB in all) plus ${gb(DISK_MARGIN)} GB to spare, and ${gb(free)} GB is free.`,
        `Free some space on the disk holding ${store.root}, or set KONTEXT_STUDIO_HOME to a larger disk.`,
      ),
    )
  }
  const signal = o.signal
  const baseFetch = o.fetch ?? fetch
  const access: HubAccess = { ...o, fetch: (input, init) => baseFetch(input, { ...init, signal }) }
  const meter = new SpeedMeter()
  let totalDone = have.reduce((s, n) => s + n, 0)
  let sessionBytes = 0
  const emit = (i: number, fileDone: number, phase: DownloadProgress['phase']) => {
    const bps = meter.bytesPerSecond()
    o.onProgress?.({
      file: plan.files[i]!.path,
      fileIndex: i,
      fileCount: plan.files.length,
      fileDone,
      fileSize: plan.files[i]!.size,
      totalDone,
      totalSize,
      bytesPerSecond: bps,
      secondsLeft: secondsLeft(totalSize - totalDone, bps),
      phase,
    })
  }
  try {
    meter.add(now(), 0)
    for (const [i, f] of plan.files.entries()) {
      const path = join(dir, f.path)
      mkdirSync(dirname(path), { recursive: true })
      let info: Awaited<ReturnType<typeof fileDownloadInfo>> | undefined
      for (let attempt = 0; ; attempt++) {
        if (signal?.aborted) throw cancelled()
        const onDisk = sizeOnDisk(path)
        if (onDisk === f.size) break
        try {
          const p = hubParams(access)
          info ??= await fileDownloadInfo({ repo: plan.repo, path: f.path, revision: plan.revision, ...p })
          if (!info) throw new StudioError(studioError('model.download', `${f.path} is no longer in ${plan.repo}.`))
          const blob = await downloadFile({ repo: plan.repo, path: f.path, revision: plan.revision, downloadInfo: info, xet: false, ...p })
          if (!blob) throw new StudioError(studioError('model.download', `${f.path} is no longer in ${plan.repo}.`))
          if (blob.size !== f.size)
            throw new StudioError(studioError('model.download', `${f.path} is ${blob.size} bytes on the hub, the listing said ${f.size}.`))
          emit(i, onDisk, 'downloading')
          let fileDone = onDisk
          await appendStream(path, blob.slice(onDisk).stream(), (n) => {
            fileDone += n
            totalDone += n
            sessionBytes += n
            meter.add(now(), sessionBytes)
            emit(i, fileDone, 'downloading')
          })
          if (sizeOnDisk(path) !== f.size) throw new Error(`the connection closed after ${sizeOnDisk(path)} of ${f.size} bytes`)
          break
        } catch (e) {
          if (signal?.aborted) throw cancelled()
          if (!isRetryable(e) || attempt >= (o.retries ?? 5)) throw e
          await sleep((o.retryDelayMs ?? 1000) * (attempt + 1))
        }
      }
    }
    const record = readInstallRecord(dir)
    if (!record.ok) throw new StudioError(studioError('model.download', `The partial download’s ${record.problem}.`))
    writeInstallRecord(dir, { ...record.record, state: 'verifying' })
    const bad: string[] = []
    for (const [i, f] of plan.files.entries()) {
      emit(i, f.size, 'verifying')
      const problem = await verifyFile(join(dir, f.path), f, signal)
      if (problem) {
        // A file that is not what the hub published is never kept: the next run fetches it again.
        unlinkSync(join(dir, f.path))
        bad.push(problem)
      }
    }
    if (bad.length) {
      writeInstallRecord(dir, { ...record.record, state: 'downloading', problems: bad })
      throw new StudioError(
        studioError(
          'model.hashMismatch',
          `Refused: ${bad.join('; ')}. The file was removed.`,
          'Run the download again to fetch it afresh.',
        ),
      )
    }
    writeInstallRecord(dir, { ...record.record, state: 'installed', problems: [] })
    return store.commit(id)
  } catch (e) {
    if (signal?.aborted) {
      if (o.onCancel === 'discard') rmSync(dir, { recursive: true, force: true })
      throw cancelled()
    }
    // Nothing fetched yet (e.g. the gate refused the first file): leave no partial folder behind.
    if (plan.files.every((f) => sizeOnDisk(join(dir, f.path)) === 0)) rmSync(dir, { recursive: true, force: true })
    throw new StudioError(hubErrorData(e, entry, token))
  }
}

/**
 * Downloading FLUX.1 Kontext [dev] from an imitation hub on loopback, with @huggingface/hub doing
 * the talking: only the bf16 plan's files, progress per file and in total, resume after a dropped
 * connection and after a restart (a Range request from the partial file's size), a corrupted file
 * refused and removed, a full disk refused before the first byte, cancel, gated without a token,
 * and the token never in anything the user sees.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { StudioError } from '../../../../core/result'
import { FLUX1_KONTEXT_DEV } from '../../../../engine/models/catalogue'
import { downloadModel, type DownloadOptions } from '../../../../engine/models/hubDownload'
import { planHubDownload } from '../../../../engine/models/hubPlan'
import { readInstallRecord } from '../../../../engine/models/installRecord'
import type { DownloadProgress } from '../../../../engine/models/progress'
import { ModelStore } from '../../../../engine/models/store'
import { inspectModelFolder } from '../../../../engine/weights/detect'
import { writeOfficialRelease } from '../../../support/fluxFolders'
import { ImitationHub } from '../../../support/imitationHub'

const work = mkdtempSync(join(tmpdir(), 'kontext-hub-'))
const repoDir = join(work, 'repo')
const TOKEN =
  'hf_' +
  'Q'.repeat(6) +
  Math.random()
    .toString(36)
    .slice(2)
    .replace(/[^a-z0-9]/g, 'x') +
  'Z9'
const OTHER_TOKEN = 'hf_NotGrantedToken1234'
const entry = FLUX1_KONTEXT_DEV
const BIG = 'flux1-kontext-dev.safetensors'
let hub: ImitationHub
let root: string
let store: ModelStore
/** Everything a user could see: error messages and hints, progress, records. Grepped for the token. */
const seen: string[] = []

beforeAll(async () => {
  writeOfficialRelease(repoDir)
  writeFileSync(join(repoDir, 'LICENSE.md'), 'FLUX.1 [dev] Non-Commercial License (imitation)\n')
  // Files the bf16 plan does not need: they must not be fetched.
  writeFileSync(join(repoDir, 'README.md'), '# imitation\n')
  writeFileSync(join(repoDir, 'model_index.json'), '{}')
  hub = new ImitationHub({ repo: entry.repo, folder: repoDir, gated: true, grantedTokens: [TOKEN] })
  await hub.start()
})
afterAll(async () => {
  await hub.close()
  expect(seen.join('\n')).not.toContain(TOKEN)
  expect(seen.join('\n')).not.toContain(OTHER_TOKEN)
  rmSync(work, { recursive: true, force: true })
})
afterEach(() => {
  hub.dropAt.clear()
  hub.corrupt.clear()
})

let n = 0
function freshStore(): void {
  root = join(work, `store${n++}`)
  store = new ModelStore(root)
}

async function attempt(
  o: Partial<DownloadOptions> = {},
  token: string | null = TOKEN,
): Promise<{ dir?: string; error?: StudioError; progress: DownloadProgress[] }> {
  const progress: DownloadProgress[] = []
  let tick = 0
  const base: DownloadOptions = {
    hubUrl: hub.url,
    accessToken: token,
    retryDelayMs: 0,
    now: () => (tick += 5),
    freeBytes: () => 1e12,
    onProgress: (p) => {
      progress.push(p)
      seen.push(JSON.stringify(p))
    },
  }
  try {
    const plan = await planHubDownload(entry, 'bf16', { hubUrl: hub.url, accessToken: token })
    const dir = await downloadModel(store, entry.id, entry, plan, { ...base, ...o })
    seen.push(readFileSync(join(dir, 'install.json'), 'utf8'))
    return { dir, progress }
  } catch (e) {
    if (!(e instanceof StudioError)) throw e
    seen.push(`${e.message} ${e.hint ?? ''}`)
    return { error: e, progress }
  }
}

const sizeOf = (p: string) => (existsSync(p) ? statSync(p).size : 0)

describe('hub download', () => {
  it('downloads only the bf16 plan, with per-file and total progress, and installs a folder that inspects complete', async () => {
    freshStore()
    const r = await attempt()
    expect(r.error).toBeUndefined()
    expect(r.dir).toBe(join(root, entry.id))
    expect(existsSync(join(root, `${entry.id}.partial`))).toBe(false)
    const rec = readInstallRecord(r.dir!)
    expect(rec.ok && rec.record.state).toBe('installed')
    const paths = rec.ok ? rec.record.files.map((f) => f.path).sort() : []
    expect(paths).toContain(BIG)
    expect(paths).toContain('ae.safetensors')
    expect(paths).toContain('tokenizer_2/tokenizer.json')
    expect(paths).not.toContain('README.md')
    expect(hub.contentRequests('README.md')).toHaveLength(0)
    expect(rec.ok && rec.record.files.find((f) => f.path === BIG)?.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(inspectModelFolder(r.dir!).usable).toBe(true)
    const total = r.progress[0]!.totalSize
    const last = r.progress.filter((p) => p.phase === 'downloading').at(-1)!
    expect(last.totalDone).toBe(total)
    for (let i = 1; i < r.progress.length; i++) expect(r.progress[i]!.totalDone).toBeGreaterThanOrEqual(r.progress[i - 1]!.totalDone)
    const bigDone = r.progress.filter((p) => p.file === BIG && p.phase === 'downloading').at(-1)!
    expect(bigDone.fileDone).toBe(bigDone.fileSize)
    expect(r.progress.some((p) => p.bytesPerSecond !== null && p.secondsLeft !== null)).toBe(true)
    expect(r.progress.some((p) => p.phase === 'verifying')).toBe(true)
  })

  it('a second add of an installed model is refused', async () => {
    const r = await attempt()
    expect(r.error?.code).toBe('model.exists')
  })

  it('resumes with a Range request after the server drops the connection mid-file', async () => {
    freshStore()
    const size = sizeOf(join(repoDir, BIG))
    hub.dropAt.set(BIG, size >> 1)
    const before = hub.contentRequests(BIG).length
    const r = await attempt({ retries: 2 })
    expect(r.error).toBeUndefined()
    const reqs = hub.contentRequests(BIG).slice(before)
    expect(reqs.length).toBe(2)
    expect(reqs[0]!.range).toBeNull()
    const from = Number(/^bytes=(\d+)-/.exec(reqs[1]!.range ?? '')?.[1])
    expect(from).toBeGreaterThan(0)
    expect(from).toBeLessThanOrEqual(size >> 1)
    expect(readFileSync(join(r.dir!, BIG)).equals(readFileSync(join(repoDir, BIG)))).toBe(true)
  })

  it('after a failed run (a restart), a new run continues from the partial file', async () => {
    freshStore()
    const size = sizeOf(join(repoDir, BIG))
    hub.dropAt.set(BIG, size >> 2)
    const first = await attempt({ retries: 0 })
    expect(first.error?.code).toBe('model.download')
    expect(store.get(entry.id)).toBeUndefined()
    const partial = store.partial(entry.id)
    expect(partial?.record?.state).toBe('downloading')
    const kept = sizeOf(join(partial!.dir, BIG))
    expect(kept).toBeGreaterThan(0)
    expect(kept).toBeLessThan(size)
    const before = hub.contentRequests(BIG).length
    const second = await attempt()
    expect(second.error).toBeUndefined()
    expect(
      hub
        .contentRequests(BIG)
        .slice(before)
        .map((q) => q.range),
    ).toEqual([`bytes=${kept}-${size - 1}`])
    expect(readFileSync(join(second.dir!, BIG)).equals(readFileSync(join(repoDir, BIG)))).toBe(true)
  })

  it('refuses a file whose SHA-256 does not match the hub, removes it, and is not installed', async () => {
    freshStore()
    hub.corrupt.add('ae.safetensors')
    const r = await attempt()
    expect(r.error?.code).toBe('model.hashMismatch')
    expect(r.error?.message).toContain('ae.safetensors')
    expect(store.get(entry.id)).toBeUndefined()
    const partial = store.partial(entry.id)!
    expect(existsSync(join(partial.dir, 'ae.safetensors'))).toBe(false)
    expect(existsSync(join(partial.dir, BIG))).toBe(true)
    hub.corrupt.clear()
    const bigBefore = hub.contentRequests(BIG).length
    const again = await attempt()
    expect(again.error).toBeUndefined()
    // Only the refused file is fetched again.
    expect(hub.contentRequests(BIG).length).toBe(bigBefore)
  })

  it('a full disk is refused before the first byte, with the sizes in words', async () => {
    freshStore()
    const before = hub.requests.filter((q) => q.path.startsWith('/cdn/')).length
    const r = await attempt({ freeBytes: () => 1000 })
    expect(r.error?.code).toBe('model.diskFull')
    expect(r.error?.message).toMatch(/needs [\d.]+ GB more .* and 0\.0 GB is free/)
    expect(hub.requests.filter((q) => q.path.startsWith('/cdn/')).length).toBe(before)
    expect(store.get(entry.id)).toBeUndefined()
  })

  it('cancel stops the download; discard removes the partial folder, keep leaves it to resume', async () => {
    freshStore()
    const abort = new AbortController()
    const r = await attempt({ signal: abort.signal, onCancel: 'discard', onProgress: (p) => p.fileDone > 0 && abort.abort() })
    expect(r.error?.code).toBe('job.cancelled')
    expect(existsSync(store.partialDirOf(entry.id))).toBe(false)
    expect(store.get(entry.id)).toBeUndefined()
    const abort2 = new AbortController()
    const k = await attempt({ signal: abort2.signal, onCancel: 'keep', onProgress: (p) => p.fileIndex > 0 && abort2.abort() })
    expect(k.error?.code).toBe('job.cancelled')
    expect(store.partial(entry.id)?.record?.state).toBe('downloading')
  })

  it('a gated repository without a token, or with one not granted access, is explained and the token not shown', async () => {
    freshStore()
    const none = await attempt({}, null)
    expect(none.error?.code).toBe('model.gated')
    expect(none.error?.hint).toContain('accept its licence')
    const other = await attempt({}, OTHER_TOKEN)
    expect(other.error?.code).toBe('model.gated')
    expect(other.error?.message).toContain('not been granted access')
    expect(`${other.error?.message} ${other.error?.hint}`).not.toContain(OTHER_TOKEN)
    expect(hub.requests.some((q) => q.authorized)).toBe(true)
    // Refused before the first byte: no partial folder that would look like a paused download.
    expect(existsSync(store.partialDirOf(entry.id))).toBe(false)
  })
})

/**
 * A disk that fills while a job runs (issue 11, from a kill -9 soak): the result cannot be saved
 * and neither can the failure. The job must still end (failed, `store.diskFull`, the renderers
 * told), and the queue must go on by itself once there is room again.
 *
 * A full disk is not something a test can make on demand, so the real SQLite store is wrapped:
 * while `full` is set, every write is refused with the error the store gives for SQLITE_FULL
 * (store.diskFull — the mapping itself is tested in test/integration/store/features.test.ts with a
 * real SQLITE_FULL). Everything else is real: the engine process, the SQLite file, the host.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { StudioEvent } from '../../../core/contract/api'
import type { BlobHash, NodeId } from '../../../core/ids'
import type { HistoryNode, ProjectState } from '../../../core/domain/model'
import type { ProjectDiff } from '../../../core/domain/projectDiff'
import { StudioError, toErrorData } from '../../../core/result'
import { systemClock } from '../../../main/services/clock'
import { EngineProcess } from '../../../main/services/engineProcess'
import { ProjectSession } from '../../../main/services/projectSession'
import { StudioHost } from '../../../main/services/studioHost'
import { openProjectStore, type SqliteProjectStore } from '../../../main/store'
import type { ProjectStore } from '../../../main/store/projectStore'
import { storeErrors } from '../../../main/store/storeErrors'
import { goldenDir, tinyModelDir } from '../../fixtures/engine/paths'

/** The real store, refusing every write while `full` is set, as it does when SQLite reports SQLITE_FULL. */
class FillingDisk implements ProjectStore {
  full = false
  readonly readOnly = false
  constructor(readonly inner: SqliteProjectStore) {}
  get path(): string {
    return this.inner.path
  }
  load(): ProjectState {
    return this.inner.load()
  }
  commit(diff: ProjectDiff, blobBytes?: ReadonlyMap<BlobHash, Uint8Array>): void {
    if (this.full) throw new StudioError(storeErrors.diskFull(this.inner.path))
    this.inner.commit(diff, blobBytes)
  }
  readBlob(hash: BlobHash): Uint8Array | null {
    return this.inner.readBlob(hash)
  }
  emptyTrash(): { removedNodes: number; freedBytes: number } {
    if (this.full) throw new StudioError(storeErrors.diskFull(this.inner.path))
    return this.inner.emptyTrash()
  }
  close(): void {
    this.inner.close()
  }
}

const context = new Uint8Array(readFileSync(join(goldenDir, 'c0_context.png')))
const engine = new EngineProcess({ modelDirs: [tinyModelDir], provider: 'cpu' })

let dir: string
let disk: FillingDisk
let host: StudioHost
const nodeEvents: HistoryNode[] = []
const jobWaiters: (() => void)[] = []

/** Resolves with the node once an event shows its job in `status` (the node's status is the job's state). */
async function jobReaches(nodeId: NodeId, status: HistoryNode['status']): Promise<HistoryNode> {
  for (;;) {
    const hit = nodeEvents.find((n) => n.id === nodeId && n.status === status)
    if (hit) return hit
    await new Promise<void>((resolve) => jobWaiters.push(resolve))
  }
}

async function queueTwo(): Promise<{ a: NodeId; b: NodeId; aNode: NodeId }> {
  const imported = (await host.handle('importImage', { fileName: 'ring.png', bytes: context })) as { nodeId: NodeId; blob: BlobHash }
  const edit = { parentId: imported.nodeId, contextBlobs: [imported.blob], prompt: 'make the yellow ring green', steps: 8, seed: 7 }
  const a = (await host.handle('generate', edit)) as { nodeId: NodeId }
  const b = (await host.handle('generate', { ...edit, seed: 8 })) as { nodeId: NodeId }
  return { a: a.nodeId, b: b.nodeId, aNode: a.nodeId }
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kstudio-full-'))
  const opened = openProjectStore(join(dir, 'full.kstudio'), { create: true })
  if (!opened.ok) throw new Error(opened.error.message)
  disk = new FillingDisk(opened.value)
  host = new StudioHost(new ProjectSession(disk), engine, systemClock)
  nodeEvents.length = 0
  host.onEvent((e: StudioEvent) => {
    if (e.kind !== 'projectChanged') return
    nodeEvents.push(...(e.diff.putNodes ?? []))
    for (const w of jobWaiters.splice(0)) w()
  })
  // The disk fills while the first job is at step 5.
  host.jobs.onProgress(({ progress }) => {
    if (progress.step === 5 && nodeEvents.filter((n) => n.status === 'running').length === 1) disk.full = true
  })
})

beforeAll(() => engine.start())
afterAll(() => engine.stop())

afterEach(async () => {
  await host.jobs.idle()
  await host.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a disk that fills during a job', () => {
  it('fails the job with store.diskFull, keeps the queue waiting, and goes on at the next change once there is room', async () => {
    const { a, b, aNode } = await queueTwo()
    const failed = await jobReaches(a, 'failed')
    expect(failed.error).toMatchObject({ code: 'store.diskFull' })
    expect(host.session.snapshot().nodes[aNode]).toMatchObject({ status: 'failed', resultBlob: null })
    // Not stuck as running: nothing to cancel; and a retry while the disk is full says why it cannot.
    expect(await host.handle('cancelJob', { nodeId: a })).toEqual({ cancelled: false, children: 0 })
    await expect(host.handle('retryJob', { nodeId: a })).rejects.toMatchObject({ code: 'store.diskFull' })
    expect(host.jobs.waitingForStore).toBe(true)
    expect(host.session.snapshot().nodes[b]?.status).toBe('queued')

    disk.full = false
    await host.handle('setNodeLabel', { nodeId: aNode, label: 'tried on a full disk' })
    await jobReaches(b, 'done')
    expect(host.jobs.waitingForStore).toBe(false)
    // The held failure reached the file, before the changes that came after it.
    const onDisk = disk.inner.load()
    expect(onDisk.nodes[a]).toMatchObject({ status: 'failed', error: { code: 'store.diskFull' } })
    expect(onDisk.nodes[aNode]?.label).toBe('tried on a full disk')
    expect(onDisk.nodes[b]?.status).toBe('done')
  })

  it('goes on by itself (no user action) once writes succeed again', async () => {
    const { a, b } = await queueTwo()
    await jobReaches(a, 'failed')
    disk.full = false
    await jobReaches(b, 'done')
    expect(disk.inner.load().nodes[a]?.error).toMatchObject({ code: 'store.diskFull' })
    // And the failed job can be run again.
    await host.handle('retryJob', { nodeId: a })
    expect(toErrorData((await jobReaches(a, 'done')).error ?? 'none').message).toBe('none')
  })
})

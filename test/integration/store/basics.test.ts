/**
 * The store's everyday story on a real file, for every driver this runtime has: create, import,
 * queue, reopen, blobs shared by hash and verified, read-only opens that write nothing.
 */
import { copyFileSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importImage, queueGeneration, startJob, setNodeLabel } from '../../../core/domain/actions'
import { applyDiff } from '../../../core/domain/projectDiff'
import type { ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'
import { openProjectStore, type SqliteProjectStore } from '../../../main/store/sqliteProjectStore'
import { blobOf, bytesFor, driversUnderTest, fixedClock, jid, nid, tempDir } from './helpers'

const unwrap = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

describe.each(driversUnderTest())('project store on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  let path: string
  beforeEach(() => {
    tmp = tempDir()
    path = join(tmp.dir, 'Shots.kstudio')
  })
  afterEach(() => tmp.cleanup())

  const create = (): SqliteProjectStore => unwrap(openProjectStore(path, { create: true, driver, now: fixedClock() }))

  it('creates a project named after its file and reopens it unchanged', () => {
    const store = create()
    const state = store.load()
    expect(state.project.name).toBe('Shots')
    expect(Object.keys(state.nodes)).toHaveLength(0)
    store.close()
    const again = unwrap(openProjectStore(path, { driver }))
    expect(again.load()).toEqual(state)
    again.close()
  })

  it('creates a clean project where a deleted one left its -wal behind', () => {
    // A live project's WAL, copied beside a path whose own database is gone (removed on create).
    const other = unwrap(openProjectStore(join(tmp.dir, 'other.kstudio'), { create: true, driver }))
    const bytes = bytesFor(6, 30_000)
    other.commit(
      unwrap(importImage(other.load(), { id: nid('stale'), blob: blobOf(bytes), sourceName: 's.png', at: 1 })),
      new Map([[blobOf(bytes).hash, bytes]]),
    )
    copyFileSync(join(tmp.dir, 'other.kstudio-wal'), `${path}-wal`)
    other.close()

    const store = create()
    expect(store.integrityCheck()).toBeNull()
    expect(store.load().nodes).toEqual({})
    store.close()
    const again = unwrap(openProjectStore(path, { driver }))
    expect(again.load().nodes).toEqual({})
    again.close()
  })

  it('keeps an imported image and its node across a restart, bytes identical', () => {
    const store = create()
    const bytes = bytesFor(1, 50_000)
    const blob = blobOf(bytes)
    const diff = unwrap(importImage(store.load(), { id: nid('n1'), blob, sourceName: 'photo.png', at: 5 }))
    store.commit(diff, new Map([[blob.hash, bytes]]))
    const expected = applyDiff(store.load(), {})
    store.close()

    const again = unwrap(openProjectStore(path, { driver }))
    expect(again.load()).toEqual(expected)
    expect(again.load().nodes[nid('n1')]?.sourceName).toBe('photo.png')
    expect(Buffer.from(again.readBlob(blob.hash) as Uint8Array).equals(Buffer.from(bytes))).toBe(true)
    again.close()
  })

  it('round-trips every field of a queued generation, its job and a label', () => {
    const store = create()
    const bytes = bytesFor(2, 1000)
    const blob = blobOf(bytes)
    let state = store.load()
    const apply = (d: Result<ProjectDiff>, map?: Map<typeof blob.hash, Uint8Array>): void => {
      const diff = unwrap(d)
      store.commit(diff, map)
      state = applyDiff(state, diff)
    }
    apply(importImage(state, { id: nid('root'), blob, sourceName: 'a.png', at: 1 }), new Map([[blob.hash, bytes]]))
    apply(
      queueGeneration(state, {
        nodeId: nid('g1'),
        jobId: jid('j1'),
        parentId: nid('root'),
        prompt: 'a red bottle on marble',
        contextBlobs: [blob.hash],
        params: { model: 'kontext-tiny', seed: 7, steps: 4, guidance: 2.5, width: 64, height: 64 },
        at: 2,
        region: { maskBlob: blob.hash },
      }),
    )
    apply(setNodeLabel(state, { nodeId: nid('g1'), label: 'hero', at: 3 }))
    expect(store.load()).toEqual(state)
    store.close()
    const again = unwrap(openProjectStore(path, { driver }))
    expect(again.load()).toEqual(state)
    again.close()
  })

  it('stores a blob once however many nodes share it, and refuses bytes that do not match the hash', () => {
    const store = create()
    const bytes = bytesFor(3, 2000)
    const blob = blobOf(bytes)
    store.commit(unwrap(importImage(store.load(), { id: nid('a'), blob, sourceName: 'a.png', at: 1 })), new Map([[blob.hash, bytes]]))
    store.commit(unwrap(importImage(store.load(), { id: nid('b'), blob, sourceName: 'b.png', at: 2 })), new Map([[blob.hash, bytes]]))
    expect(store.db.prepare('SELECT count(*) AS c FROM blob_data').get()?.c).toBe(1)

    const other = bytesFor(4, 2000)
    const lie = { ...blobOf(other), hash: blobOf(bytesFor(5, 10)).hash }
    const before = store.load()
    expect(() =>
      store.commit(unwrap(importImage(before, { id: nid('c'), blob: lie, sourceName: 'c.png', at: 3 })), new Map([[lie.hash, other]])),
    ).toThrow(expect.objectContaining({ code: 'store.blobMismatch' }))
    expect(() => store.commit(unwrap(importImage(before, { id: nid('c'), blob: blobOf(other), sourceName: 'c.png', at: 3 })))).toThrow(
      expect.objectContaining({ code: 'store.blobMissing' }),
    )
    expect(store.load()).toEqual(before)
    store.close()
  })

  it('marks a running job interrupted on open and leaves queued jobs queued', () => {
    const store = create()
    let state = store.load()
    const params = { model: 'kontext-tiny', seed: 1, steps: 4, guidance: 1, width: 64, height: 64 }
    for (const [n, j] of [
      ['g1', 'j1'],
      ['g2', 'j2'],
    ] as const) {
      const d = unwrap(
        queueGeneration(state, { nodeId: nid(n), jobId: jid(j), parentId: null, prompt: 'p', contextBlobs: [], params, at: 1 }),
      )
      store.commit(d)
      state = applyDiff(state, d)
    }
    store.commit(unwrap(startJob(state, { jobId: jid('j1'), at: 2 })))
    store.close()
    const again = unwrap(openProjectStore(path, { driver }))
    const nodes = again.load().nodes
    expect(nodes[nid('g1')]).toMatchObject({ status: 'failed', error: { code: 'job.interrupted' } })
    expect(nodes[nid('g2')]?.status).toBe('queued')
    again.close()
  })

  it('opens read-only without writing a byte, searches there, and refuses commits', () => {
    const store = create()
    const bytes1 = bytesFor(9, 100)
    const diff = unwrap(importImage(store.load(), { id: nid('n1'), blob: blobOf(bytes1), sourceName: 'a.png', at: 1 }))
    store.commit(diff, new Map([[blobOf(bytes1).hash, bytes1]]))
    store.commit(unwrap(setNodeLabel(store.load(), { nodeId: nid('n1'), label: 'Sunset over the bay', at: 2 })))
    store.close()
    const bytes = readFileSync(path)
    const ro = unwrap(openProjectStore(path, { driver, readOnly: true }))
    expect(ro.readOnly).toBe(true)
    expect(ro.searchNodes('sunset').map((n) => n.id)).toEqual(['n1'])
    expect(() => ro.commit({ project: { ...ro.load().project, name: 'x' } })).toThrow(expect.objectContaining({ code: 'store.readOnly' }))
    ro.close()
    expect(readFileSync(path).equals(bytes)).toBe(true)
    // The reader's -wal/-shm are tidied away, and a writer leaves no -shm behind either.
    expect(readdirSync(tmp.dir)).toEqual(['Shots.kstudio'])
    unwrap(openProjectStore(path, { driver })).close()
    expect(readdirSync(tmp.dir)).toEqual(['Shots.kstudio'])
  })
})

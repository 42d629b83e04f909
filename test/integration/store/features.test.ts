/**
 * The store's features as stories on a real file: the UI's queries, the trash and garbage
 * collection, thumbnails, Save as / Export copy / import, Open recent.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { restoreBranch, trashBranch } from '../../../core/domain/actions'
import type { FrameId, NodeId } from '../../../core/ids'
import { addRecent, listRecent, removeRecent, RECENT_LIMIT } from '../../../main/store/recent'
import { exportCopy, importCopy, saveAs } from '../../../main/store/backup'
import { searchNodes } from '../../../main/store/queries'
import { openProjectStore, type SqliteProjectStore } from '../../../main/store/sqliteProjectStore'
import { driversUnderTest, tempDir } from './helpers'
import { ProjectBuilder } from './project'

const ids = (nodes: readonly { id: string }[]): string[] => nodes.map((n) => n.id)

describe.each(driversUnderTest())('store features on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  let store: SqliteProjectStore
  let p: ProjectBuilder
  beforeEach(() => {
    tmp = tempDir()
    const opened = openProjectStore(join(tmp.dir, 'story.kstudio'), { create: true, driver })
    if (!opened.ok) throw new Error(opened.error.message)
    store = opened.value
    p = new ProjectBuilder(store)
    // root ─ marble ─ light
    //      └ beach
    p.importPhoto('root', 1)
    p.edit('marble', 'root', 'put the bottle on a marble table', 2)
    p.edit('light', 'marble', 'soft morning light', 3)
    p.edit('beach', 'root', 'the bottle on a sunny beach', 4)
    p.frame('f1', 'light')
  })
  afterEach(() => {
    if (store.db.isOpen) store.close()
    tmp.cleanup()
  })

  it('answers children, path to root, a frame lineage and nodes by status', () => {
    expect(ids(store.childrenOf('root' as NodeId))).toEqual(['marble', 'beach'])
    expect(ids(store.pathToRoot('light' as NodeId))).toEqual(['root', 'marble', 'light'])
    expect(ids(store.frameLineage('f1' as FrameId))).toEqual(['root', 'marble', 'light'])
    expect(store.frameLineage('nope' as FrameId)).toEqual([])
    expect(ids(store.nodesByStatus('done'))).toEqual(['root', 'marble', 'light', 'beach'])
    expect(store.pathToRoot('light' as NodeId)[1]).toEqual(store.load().nodes['marble' as NodeId])
  })

  it('searches prompts by word prefix, with FTS5 and with the LIKE fallback alike', () => {
    expect(store.fts).toBe(true)
    for (const fts of [true, false]) {
      const q = { db: store.db, fts }
      expect(ids(searchNodes(q, 'bottle')).sort()).toEqual(['beach', 'marble'])
      expect(ids(searchNodes(q, 'bott marb'))).toEqual(['marble'])
      expect(ids(searchNodes(q, 'MORNING'))).toEqual(['light'])
      expect(searchNodes(q, '"); DROP TABLE nodes; --')).toEqual([])
      expect(searchNodes(q, '   ')).toEqual([])
    }
  })

  it('keeps trashed nodes recoverable, and collects their images only when the trash is emptied', () => {
    const before = store.load()
    const marbleBlob = before.nodes['marble' as NodeId]?.resultBlob
    const rootBlob = before.nodes['root' as NodeId]?.resultBlob
    p.apply(trashBranch(p.state, { nodeId: 'marble' as NodeId, at: p.now() }))
    expect(ids(store.childrenOf('root' as NodeId))).toEqual(['beach'])
    expect(ids(store.childrenOf('root' as NodeId, true))).toEqual(['marble', 'beach'])
    expect(store.load().blobs[marbleBlob as never]).toBeDefined()

    p.apply(restoreBranch(p.state, { nodeId: 'marble' as NodeId, at: p.now() }))
    expect(store.load().nodes['light' as NodeId]?.deletedAt).toBeNull()

    store.putThumbnail(marbleBlob as never, 128, { format: 'png', bytes: new Uint8Array([1, 2, 3]) })
    p.apply(trashBranch(p.state, { nodeId: 'marble' as NodeId, at: p.now() }))
    const report = store.emptyTrash()
    expect(report).toMatchObject({ removedNodes: 2, removedBlobs: 2 })
    expect(report.freedBytes).toBe(6000)
    const after = store.load()
    expect(Object.keys(after.nodes).sort()).toEqual(['beach', 'root'])
    expect(after.frames).toEqual({}) // f1 pointed at a removed node
    expect(Object.values(after.jobs).map((j) => j.nodeId)).toEqual(['beach'])
    expect(store.readBlob(marbleBlob as never)).toBeNull()
    expect(store.getThumbnail(marbleBlob as never, 128)).toBeNull()
    // The root's image is still used by root and as beach's context.
    expect(store.readBlob(rootBlob as never)).not.toBeNull()
    expect(store.emptyTrash()).toMatchObject({ removedNodes: 0, removedBlobs: 0 })
    expect(store.integrityCheck()).toBeNull()
  })

  it('keeps a trashed node that a restored child still descends from', () => {
    p.apply(trashBranch(p.state, { nodeId: 'marble' as NodeId, at: p.now() }))
    p.apply(restoreBranch(p.state, { nodeId: 'light' as NodeId, at: p.now() }))
    expect(store.load().nodes['light' as NodeId]?.deletedAt).toBeNull()
    expect(store.load().nodes['marble' as NodeId]?.deletedAt).not.toBeNull()
    expect(store.emptyTrash().removedNodes).toBe(0)
    expect(ids(store.pathToRoot('light' as NodeId))).toEqual(['root', 'marble', 'light'])
  })

  it('refuses to remove an image that is still used', () => {
    const rootBlob = store.load().nodes['root' as NodeId]?.resultBlob
    expect(() => store.commit({ removeBlobs: [rootBlob as never] })).toThrow(expect.objectContaining({ code: 'store.blobInUse' }))
    expect(store.readBlob(rootBlob as never)).not.toBeNull()
  })

  it('keeps layer documents, protects their images from collection, and drops them with their node', () => {
    const photo = store.load().nodes['beach' as NodeId]?.resultBlob as never
    const layer = {
      id: 'l1' as never,
      name: 'product',
      visible: true,
      locked: false,
      opacity: 0.8,
      transform: { x: 1, y: 2, scaleX: 1, scaleY: 1, rotation: 5 },
    }
    const doc = {
      nodeId: 'light' as NodeId,
      width: 64,
      height: 64,
      layers: [
        { ...layer, kind: 'image' as const, blob: photo, width: 64, height: 64 },
        { ...layer, id: 'l2' as never, kind: 'text' as const, text: 'SALE', fontSize: 12, color: '#fff' },
      ],
    }
    store.commit({ putLayers: [doc] })
    expect(store.load().layers['light' as NodeId]).toEqual(doc)
    // beach goes; its image stays because light's layer uses it.
    p.apply(trashBranch(p.state, { nodeId: 'beach' as NodeId, at: p.now() }))
    expect(store.emptyTrash().removedBlobs).toBe(0)
    expect(store.readBlob(photo)).not.toBeNull()
    p.apply(trashBranch(p.state, { nodeId: 'marble' as NodeId, at: p.now() }))
    store.emptyTrash()
    expect(store.load().layers).toEqual({})
    expect(store.readBlob(photo)).toBeNull()
  })

  it('rolls a commit back whole when the disk is full, and says so', () => {
    const before = store.load()
    // SQLITE_FULL on demand: cap the file at its current size (this connection only).
    const pages = Number(store.db.prepare('PRAGMA page_count').get()?.page_count)
    store.db.prepare(`PRAGMA max_page_count = ${pages + 2}`).get()
    expect(() => p.importPhoto('huge', 77, 200_000)).toThrow(expect.objectContaining({ code: 'store.diskFull' }))
    expect(store.load()).toEqual(before)
    store.db.prepare('PRAGMA max_page_count = 1073741823').get()
    p.importPhoto('huge', 77, 200_000)
    expect(store.load().nodes['huge' as NodeId]).toBeDefined()
  })

  it('caches thumbnails per blob and size, only for blobs of the project', () => {
    const blob = store.load().nodes['root' as NodeId]?.resultBlob as never
    expect(store.getThumbnail(blob, 128)).toBeNull()
    expect(store.putThumbnail(blob, 128, { format: 'png', bytes: new Uint8Array([1]) })).toBe(true)
    expect(store.putThumbnail(blob, 256, { format: 'webp', bytes: new Uint8Array([2, 2]) })).toBe(true)
    expect(store.getThumbnail(blob, 256)).toMatchObject({ format: 'webp' })
    expect(Array.from(store.getThumbnail(blob, 128)?.bytes ?? [])).toEqual([1])
    expect(store.putThumbnail('0'.repeat(64) as never, 128, { format: 'png', bytes: new Uint8Array([1]) })).toBe(false)
  })

  it('exports a copy and imports it back with every record and byte equal', async () => {
    const state = store.load()
    const copy = join(tmp.dir, 'copy.kstudio')
    expect(await exportCopy(store, copy)).toEqual({ ok: true, value: copy })
    expect((await exportCopy(store, copy)).ok).toBe(false) // no silent overwrite
    expect(readdirSync(tmp.dir).filter((f) => f.includes('partial'))).toEqual([])
    store.close()

    const imported = await importCopy(copy, join(tmp.dir, 'imported.kstudio'), { driver })
    if (!imported.ok) throw new Error(imported.error.message)
    expect(imported.value.load()).toEqual(state)
    for (const hash of Object.keys(state.blobs)) {
      const a = imported.value.readBlob(hash as never)
      expect(a && Buffer.from(a).length).toBe(state.blobs[hash as never]?.byteSize)
    }
    expect(imported.value.integrityCheck()).toBeNull()
    imported.value.close()
  })

  it('replaces an existing file only when asked, and never one that is open elsewhere', async () => {
    const target = join(tmp.dir, 'target.kstudio')
    const other = openProjectStore(target, { create: true, driver })
    if (!other.ok) throw new Error(other.error.message)
    new ProjectBuilder(other.value).importPhoto('theirs', 50)
    const held = await exportCopy(store, target, { overwrite: true })
    expect(held.ok ? 'replaced' : held.error.code).toBe('project.locked')
    expect(Object.keys(other.value.load().nodes)).toEqual(['theirs'])
    other.value.close()

    expect((await exportCopy(store, target, { overwrite: true })).ok).toBe(true)
    expect(readdirSync(tmp.dir).filter((f) => f.startsWith('target'))).toEqual(['target.kstudio'])
    const replaced = openProjectStore(target, { driver })
    if (!replaced.ok) throw new Error(replaced.error.message)
    expect(Object.keys(replaced.value.load().nodes).sort()).toEqual(['beach', 'light', 'marble', 'root'])
    replaced.value.close()
  })

  it('saves as a new file and keeps working there, the original unchanged and released', async () => {
    const original = store.path
    const moved = await saveAs(store, join(tmp.dir, 'renamed.kstudio'))
    if (!moved.ok) throw new Error(moved.error.message)
    expect(moved.value.path).toMatch(/renamed\.kstudio$/)
    new ProjectBuilder(moved.value).importPhoto('later', 9)
    expect(Object.keys(moved.value.load().nodes)).toContain('later')
    moved.value.close()
    const back = openProjectStore(original, { driver })
    if (!back.ok) throw new Error(back.error.message)
    expect(Object.keys(back.value.load().nodes)).not.toContain('later')
    store = back.value
  })

  it('remembers recent projects, newest first, once each, and flags missing files', () => {
    const appData = join(tmp.dir, 'app-data')
    expect(listRecent(appData)).toEqual([])
    addRecent(appData, { path: store.path, name: 'story', openedAt: 1 })
    addRecent(appData, { path: join(tmp.dir, 'gone.kstudio'), name: 'gone', openedAt: 2 })
    const list = addRecent(appData, { path: store.path, name: 'story', openedAt: 3 })
    expect(list.map((r) => [r.name, r.missing])).toEqual([
      ['story', false],
      ['gone', true],
    ])
    for (let i = 0; i < RECENT_LIMIT + 3; i++) addRecent(appData, { path: join(tmp.dir, `p${i}.kstudio`), name: `p${i}`, openedAt: 10 + i })
    expect(listRecent(appData)).toHaveLength(RECENT_LIMIT)
    expect(removeRecent(appData, join(tmp.dir, `p${RECENT_LIMIT + 2}.kstudio`))[0]?.name).toBe(`p${RECENT_LIMIT + 1}`)
    expect(existsSync(join(appData, 'recent-projects.json'))).toBe(true)
  })
})

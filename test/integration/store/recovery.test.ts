/**
 * A damaged project: the startup check (quick_check) refuses to open it for writing and says how to
 * get out; opened read-only it exports what is readable — every node, every image whose bytes
 * still match their hash — to a new project. The damaged file is never written.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NodeId } from '../../../core/ids'
import { driverByName } from '../../../main/store/driver'
import { exportReadable } from '../../../main/store/recovery'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { bytesFor, driversUnderTest, tempDir } from './helpers'
import { ProjectBuilder } from './project'

describe.each(driversUnderTest())('recovering a damaged project on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => (tmp = tempDir()))
  afterEach(() => tmp.cleanup())

  /** A project whose `nodes_status` index page is overwritten and one image has flipped bytes. */
  function damagedProject(): { path: string; flippedNode: string } {
    const path = join(tmp.dir, 'damaged.kstudio')
    const opened = openProjectStore(path, { create: true, driver })
    if (!opened.ok) throw new Error(opened.error.message)
    const p = new ProjectBuilder(opened.value)
    for (let i = 0; i < 6; i++) p.importPhoto(`photo${i}`, 100 + i, 40_000)
    p.edit('edit', 'photo0', 'a red bottle', 200)
    p.frame('f1', 'edit')
    opened.value.close()

    const db = driverByName(driver)?.open(path, { readOnly: true, mustExist: true })
    const root = Number(db?.prepare(`SELECT rootpage FROM sqlite_master WHERE name = 'nodes_status'`).get()?.rootpage)
    const pageSize = Number(db?.prepare('PRAGMA page_size').get()?.page_size)
    db?.close()
    const file = readFileSync(path)
    file.fill(0xa5, (root - 1) * pageSize, root * pageSize)
    // Flip bytes in the middle of photo3's image: structure intact, content wrong.
    const needle = Buffer.from(bytesFor(103, 40_000).subarray(20_000, 20_064))
    const at = file.indexOf(needle)
    if (at < 0) throw new Error('image bytes not found in the file')
    file.fill(0, at, at + 64)
    writeFileSync(path, file)
    return { path, flippedNode: 'photo3' }
  }

  it('refuses to open it for writing, with the way out in the hint', () => {
    const { path } = damagedProject()
    const before = readFileSync(path)
    const opened = openProjectStore(path, { driver })
    expect(opened.ok).toBe(false)
    if (!opened.ok) {
      expect(opened.error.code).toBe('store.corrupt')
      expect(opened.error.hint).toMatch(/read-only and export/)
    }
    expect(readFileSync(path).equals(before)).toBe(true)
  })

  it('opens it read-only and exports every readable node and intact image to a new project', () => {
    const { path, flippedNode } = damagedProject()
    const before = readFileSync(path)
    const ro = openProjectStore(path, { driver, readOnly: true })
    if (!ro.ok) throw new Error(ro.error.message)
    expect(ro.value.damage).toMatch(/nodes_status|page|tree|index/i)
    // Image bytes are not part of the open-time check; they are verified by hash when read.
    const flipped = ro.value.load().nodes[flippedNode as NodeId]?.resultBlob as never
    expect(() => ro.value.readBlob(flipped)).toThrow(expect.objectContaining({ code: 'store.blobDamaged' }))

    const out = join(tmp.dir, 'recovered.kstudio')
    const report = exportReadable(ro.value, out, () => 5)
    ro.value.close()
    if (!report.ok) throw new Error(report.error.message)
    expect(report.value).toMatchObject({ nodes: 7, lostNodes: 0, blobs: 6, lostBlobs: 1 })
    expect(readFileSync(path).equals(before)).toBe(true)

    const rescued = openProjectStore(out, { driver })
    if (!rescued.ok) throw new Error(rescued.error.message)
    const state = rescued.value.load()
    expect(state.project.name).toBe('damaged (recovered)')
    expect(Object.keys(state.nodes)).toHaveLength(7)
    expect(state.nodes[flippedNode as NodeId]).toMatchObject({
      resultBlob: null,
      status: 'failed',
      error: { code: 'store.recoveredWithoutImage' },
    })
    expect(Object.keys(state.frames)).toEqual(['f1'])
    expect(rescued.value.integrityCheck()).toBeNull()
    expect(exportReadable(rescued.value, out).ok).toBe(false) // never into an existing file
    rescued.value.close()
  })
})

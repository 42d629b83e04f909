/**
 * Forward migration from each older schema, starting from the checked-in fixture of that version
 * (test/fixtures/store/v1.kstudio, written by makeV1Fixture.ts). The fixture itself is copied
 * first and never opened in place.
 */
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BlobHash } from '../../../core/ids'
import { openProjectStore, type SqliteProjectStore } from '../../../main/store/sqliteProjectStore'
import { CURRENT_VERSION } from '../../../main/store/schema/migrations'
import { driversUnderTest, nid, tempDir } from './helpers'

const FIXTURE_V1 = resolve('test/fixtures/store/v1.kstudio')

/** The schema as SQLite stores it, minus whitespace differences, for comparing two files. */
function schemaOf(store: SqliteProjectStore): string[] {
  return store.db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`)
    .all()
    .map((r) => `${String(r.type)} ${String(r.name)} ${String(r.sql ?? '').replace(/\s+/g, ' ')}`)
}

describe.each(driversUnderTest())('migration on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => (tmp = tempDir()))
  afterEach(() => tmp.cleanup())

  it('opens a v1 project as the current version with every node, image and prompt kept', () => {
    const path = join(tmp.dir, 'old.kstudio')
    copyFileSync(FIXTURE_V1, path)
    const fixtureBytes = readFileSync(FIXTURE_V1)
    const opened = openProjectStore(path, { driver })
    if (!opened.ok) throw new Error(opened.error.message)
    const store = opened.value
    const state = store.load()

    expect(state.project).toMatchObject({ id: 'fixture-v1', name: 'Bottle shoot' })
    expect(Object.keys(state.nodes).sort()).toEqual(['marble', 'pending', 'root'])
    const root = state.nodes[nid('root')]
    const marble = state.nodes[nid('marble')]
    const pending = state.nodes[nid('pending')]
    expect(root).toMatchObject({ kind: 'import', label: 'original', starred: true, deletedAt: null, region: null })
    expect(marble).toMatchObject({
      parentId: 'root',
      prompt: 'put the bottle on a marble table',
      status: 'done',
      contextBlobs: [root?.resultBlob],
    })
    expect(marble?.params).toEqual({ model: 'kontext-tiny', seed: 42, steps: 4, guidance: 2.5, width: 8, height: 6 })
    // Context order survives the move from a JSON column to rows.
    expect(pending?.contextBlobs).toEqual([marble?.resultBlob, root?.resultBlob])
    // v1 had no job rows, so a node queued there cannot resume: it is failed with a reason.
    expect(pending).toMatchObject({ status: 'failed', error: { code: 'job.interrupted' } })

    // Blob bytes moved to blob_data unchanged; alpha recovered from the PNG header.
    const photo = root?.resultBlob as BlobHash
    expect(state.blobs[photo]?.hasAlpha).toBe(true)
    expect(state.blobs[marble?.resultBlob as BlobHash]?.hasAlpha).toBe(false)
    const bytes = store.readBlob(photo) as Uint8Array
    expect(fixtureBytes.includes(Buffer.from(bytes))).toBe(true)

    expect(store.searchNodes('marble').map((n) => n.id)).toEqual(['marble'])
    expect(store.integrityCheck()).toBeNull()
    expect(Number(store.db.prepare('PRAGMA user_version').get()?.user_version)).toBe(CURRENT_VERSION)
    store.close()
  })

  it('keeps the v1 file byte for byte beside it before migrating, and an older studio can still read that copy', () => {
    const path = join(tmp.dir, 'old.kstudio')
    copyFileSync(FIXTURE_V1, path)
    const opened = openProjectStore(path, { driver })
    if (!opened.ok) throw new Error(opened.error.message)
    expect(opened.value.migrationBackup).toBe(`${path}.v1-backup`)
    opened.value.close()
    expect(readFileSync(`${path}.v1-backup`).equals(readFileSync(FIXTURE_V1))).toBe(true)
    // Once migrated, opening again needs no backup and makes none.
    const again = openProjectStore(path, { driver })
    if (!again.ok) throw new Error(again.error.message)
    expect(again.value.migrationBackup).toBeNull()
    again.value.close()
    expect(readdirSync(tmp.dir).filter((f) => f.includes('backup'))).toEqual(['old.kstudio.v1-backup'])
  })

  it('never overwrites an earlier backup, and refuses to migrate (file unchanged) when no backup can be written', () => {
    const path = join(tmp.dir, 'old.kstudio')
    copyFileSync(FIXTURE_V1, path)
    writeFileSync(`${path}.v1-backup`, 'an older backup')
    const opened = openProjectStore(path, { driver })
    if (!opened.ok) throw new Error(opened.error.message)
    expect(opened.value.migrationBackup).toBe(`${path}.v1-backup-2`)
    opened.value.close()
    expect(readFileSync(`${path}.v1-backup`, 'utf8')).toBe('an older backup')

    // A name 9 bytes under the file system's limit (255): room for SQLite's own "-journal" and
    // "-wal" beside it, none for the backup's ".v1-backup".
    const longName = join(tmp.dir, `${'x'.repeat(246 - '.kstudio'.length)}.kstudio`)
    copyFileSync(FIXTURE_V1, longName)
    const refused = openProjectStore(longName, { driver })
    expect(!refused.ok && refused.error.code).toBe('store.backupFailed')
    expect(readFileSync(longName).equals(readFileSync(FIXTURE_V1))).toBe(true)
  })

  it('reaches exactly the schema a new project starts with', () => {
    const path = join(tmp.dir, 'old.kstudio')
    copyFileSync(FIXTURE_V1, path)
    const migrated = openProjectStore(path, { driver })
    const fresh = openProjectStore(join(tmp.dir, 'new.kstudio'), { driver, create: true })
    if (!migrated.ok || !fresh.ok) throw new Error('open failed')
    expect(schemaOf(migrated.value)).toEqual(schemaOf(fresh.value))
    migrated.value.close()
    fresh.value.close()
  })

  it('leaves the v1 file untouched when opened read-only', () => {
    const path = join(tmp.dir, 'old.kstudio')
    copyFileSync(FIXTURE_V1, path)
    const ro = openProjectStore(path, { driver, readOnly: true })
    expect(ro.ok).toBe(true)
    if (ro.ok) ro.value.close()
    expect(readFileSync(path).equals(readFileSync(FIXTURE_V1))).toBe(true)
  })
})

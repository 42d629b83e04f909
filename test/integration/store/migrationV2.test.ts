/**
 * v2 → v3: a v2 file kept each job's state, step, attempts and error beside its node's. It opens
 * with every job in its place in the queue and every node's status as it was (the node's status
 * is the job's state now), and the v2 file is kept beside it first.
 *
 * The v2 file is made from a v3 one by putting back v2's jobs table with the values v2 wrote (the
 * other tables did not change between the two), so no v2 studio is needed to make it.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import { queueGeneration, settleJob, startJob } from '../../../core/domain/actions'
import type { Result } from '../../../core/result'
import { driverByName } from '../../../main/store/driver'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { CURRENT_VERSION } from '../../../main/store/schema/migrations'
import { blobOf, bytesFor, driversUnderTest, jid, nid, tempDir } from './helpers'

const unwrap = (r: Result<ProjectDiff>): ProjectDiff => {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}

describe.each(driversUnderTest())('a v2 project on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => (tmp = tempDir()))
  afterEach(() => tmp.cleanup())

  function makeV2(path: string): void {
    const created = openProjectStore(path, { driver, create: true })
    if (!created.ok) throw new Error(created.error.message)
    const store = created.value
    let state = store.load()
    const apply = (d: Result<ProjectDiff>): void => {
      const diff = unwrap(d)
      store.commit(diff)
      state = applyDiff(state, diff)
    }
    const params = { model: 'kontext-tiny', seed: 1, steps: 4, guidance: 1, width: 64, height: 64 }
    for (const [n, j, at] of [
      ['done', 'j1', 1],
      ['queued', 'j2', 2],
      ['failed', 'j3', 3],
    ] as const)
      apply(queueGeneration(state, { nodeId: nid(n), jobId: jid(j), parentId: null, prompt: n, contextBlobs: [], params, at }))
    const result = blobOf(bytesFor(3, 500))
    apply(startJob(state, { jobId: jid('j1'), at: 4 }))
    const settled = unwrap(settleJob(state, { jobId: jid('j1'), outcome: { kind: 'done', result }, at: 5 }))
    store.commit(settled, new Map([[result.hash, bytesFor(3, 500)]]))
    state = applyDiff(state, settled)
    apply(startJob(state, { jobId: jid('j3'), at: 6 }))
    apply(settleJob(state, { jobId: jid('j3'), outcome: { kind: 'failed', error: { code: 'engine.crashed', message: 'gone' } }, at: 7 }))
    store.close()

    const db = driverByName(driver)?.open(path, { readOnly: false, mustExist: true })
    if (!db) throw new Error(`no driver ${driver}`)
    db.exec(`
      DROP TABLE jobs;
      CREATE TABLE jobs (id TEXT PRIMARY KEY, node_id TEXT NOT NULL, state TEXT NOT NULL, ord REAL NOT NULL, step INTEGER NOT NULL,
        total_steps INTEGER NOT NULL, attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, error TEXT);
      INSERT INTO jobs VALUES ('j1', 'done', 'done', 1, 4, 4, 1, 1, NULL);
      INSERT INTO jobs VALUES ('j2', 'queued', 'queued', 2, 0, 4, 0, 2, NULL);
      INSERT INTO jobs VALUES ('j3', 'failed', 'failed', 3, 2, 4, 1, 3, '{"code":"engine.crashed","message":"gone"}');
      CREATE INDEX jobs_state_order ON jobs(state, ord);
      CREATE INDEX jobs_node ON jobs(node_id);
      PRAGMA user_version = 2;
    `)
    db.close()
  }

  it('opens as the current version with each job in its place and each node as it was, keeping the v2 file beside it', () => {
    const path = join(tmp.dir, 'v2.kstudio')
    makeV2(path)
    const opened = openProjectStore(path, { driver })
    if (!opened.ok) throw new Error(opened.error.message)
    const store = opened.value
    expect(store.migrationBackup).toBe(`${path}.v2-backup`)
    const state = store.load()
    expect(Object.values(state.jobs).sort((a, b) => a.order - b.order)).toEqual([
      { id: 'j1', nodeId: 'done', order: 1, createdAt: 1 },
      { id: 'j2', nodeId: 'queued', order: 2, createdAt: 2 },
      { id: 'j3', nodeId: 'failed', order: 3, createdAt: 3 },
    ])
    expect(state.nodes[nid('done')]?.status).toBe('done')
    expect(state.nodes[nid('queued')]?.status).toBe('queued')
    expect(state.nodes[nid('failed')]).toMatchObject({ status: 'failed', error: { code: 'engine.crashed' } })
    expect(Number(store.db.prepare('PRAGMA user_version').get()?.user_version)).toBe(CURRENT_VERSION)
    const columns = store.db
      .prepare(`SELECT name FROM pragma_table_info('jobs')`)
      .all()
      .map((r) => r.name)
    expect(columns).toEqual(['id', 'node_id', 'ord', 'created_at'])
    store.close()
    expect(readdirSync(tmp.dir).filter((f) => f.includes('backup'))).toEqual(['v2.kstudio.v2-backup'])
  })
})

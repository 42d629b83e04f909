/**
 * A corrupt-project corpus the test builds itself: a sound project written by the store, then
 * damaged with plain SQL the way a crafted or half-synced file would be (a parent cycle, a missing
 * parent, an unknown kind, a frame and a job on a missing node, a 5 MB instruction). Each is
 * refused on a writable open with a message naming what is wrong, the original's bytes never
 * change, a repaired copy with a report is made beside it where every fix is safe, and a
 * read-only open still works.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { driverByName, type DriverName } from '../../../main/store/driver'
import { checkConsistency, TEXT_LIMITS } from '../../../main/store/consistency'
import { repairCopy } from '../../../main/store/repair'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { driversUnderTest, fixedClock, nid, tempDir } from './helpers'
import { ProjectBuilder } from './project'

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

/** root ← a ← b, a frame on b, then `damage` run as raw SQL on the closed file. */
function damagedProject(dir: string, driver: DriverName, damage: string): string {
  const path = join(dir, 'shoot.kstudio')
  const opened = openProjectStore(path, { create: true, driver, now: fixedClock() })
  if (!opened.ok) throw new Error(opened.error.message)
  const p = new ProjectBuilder(opened.value)
  p.importPhoto('root', 1)
  p.edit('a', 'root', 'make it blue', 2)
  p.edit('b', 'a', 'make it green', 3)
  p.frame('f1', 'b')
  opened.value.close()
  const raw = driverByName(driver)?.open(path, { readOnly: false, mustExist: true })
  if (!raw) throw new Error('no driver')
  raw.exec(damage)
  raw.close()
  return path
}

const CASES: readonly { name: string; damage: string; says: RegExp; repaired: (s: ReturnType<typeof loadRepaired>) => void }[] = [
  {
    name: 'a parent cycle',
    damage: `UPDATE nodes SET parent_id = 'b' WHERE id = 'root'`,
    says: /each other's ancestors/,
    repaired: (s) => expect(s.nodes[nid('root')]?.parentId).toBeNull(),
  },
  {
    name: 'a missing parent',
    damage: `UPDATE nodes SET parent_id = 'gone' WHERE id = 'a'`,
    says: /node a points at a parent that does not exist/,
    repaired: (s) => expect(s.nodes[nid('a')]?.parentId).toBeNull(),
  },
  {
    name: 'a frame and a job on a missing node',
    damage: `UPDATE frames SET node_id = 'gone'; UPDATE jobs SET node_id = 'gone' WHERE id = 'a-job'`,
    says: /storyboard frame f1 shows a node that does not exist/,
    repaired: (s) => {
      expect(s.frames).toEqual({})
      expect(Object.keys(s.jobs)).toEqual(['b-job'])
    },
  },
  {
    name: 'a 5 MB instruction',
    damage: `UPDATE nodes SET prompt = printf('%.*c', 5000000, 'x') WHERE id = 'b'`,
    says: /instruction of node b is 5000000 characters long/,
    repaired: (s) => expect(s.nodes[nid('b')]?.prompt).toHaveLength(TEXT_LIMITS.prompt),
  },
]

function loadRepaired(path: string) {
  const reopened = openProjectStore(path)
  if (!reopened.ok) throw new Error(`the repaired copy does not open: ${reopened.error.message}`)
  const state = reopened.value.load()
  reopened.value.close()
  return state
}

describe.each(driversUnderTest())('an inconsistent project on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => (tmp = tempDir()))
  afterEach(() => tmp.cleanup())

  for (const c of CASES) {
    it(`with ${c.name}: refused writable, unchanged, repaired into a copy with a report`, async () => {
      const path = damagedProject(tmp.dir, driver, c.damage)
      const before = sha(path)
      const opened = openProjectStore(path, { driver })
      expect(opened.ok).toBe(false)
      if (opened.ok) return
      expect(opened.error.code).toBe('store.inconsistent')
      expect(opened.error.message).toMatch(c.says)
      expect(opened.error.message.length).toBeLessThan(800)
      expect(sha(path)).toBe(before)

      const readOnly = openProjectStore(path, { driver, readOnly: true })
      expect(readOnly.ok).toBe(true)
      if (readOnly.ok) readOnly.value.close()

      const repaired = await repairCopy(path)
      if (!repaired.ok) throw new Error(repaired.error.message)
      expect(repaired.value.path).toBe(join(tmp.dir, 'shoot.repaired.kstudio'))
      expect(readFileSync(repaired.value.reportPath, 'utf8')).toMatch(c.says)
      c.repaired(loadRepaired(repaired.value.path))
      expect(checkConsistency(loadRepaired(repaired.value.path))).toEqual([])
      expect(sha(path)).toBe(before)
    })
  }

  it('with a node of an unknown kind: no repair is offered, read-only still opens', async () => {
    const path = damagedProject(tmp.dir, driver, `UPDATE nodes SET kind = 'hologram' WHERE id = 'a'`)
    const before = sha(path)
    const opened = openProjectStore(path, { driver })
    expect(!opened.ok && opened.error).toMatchObject({ code: 'store.inconsistent', message: expect.stringMatching(/node a is of a kind/) })
    const repaired = await repairCopy(path)
    expect(!repaired.ok && repaired.error.hint).toMatch(/no safe repair/)
    expect(existsSync(join(tmp.dir, 'shoot.repaired.kstudio'))).toBe(false)
    const readOnly = openProjectStore(path, { driver, readOnly: true })
    expect(readOnly.ok).toBe(true)
    if (readOnly.ok) readOnly.value.close()
    expect(sha(path)).toBe(before)
  })

  it('opens a sound project as before', () => {
    const path = damagedProject(tmp.dir, driver, 'SELECT 1')
    const opened = openProjectStore(path, { driver })
    expect(opened.ok).toBe(true)
    if (opened.ok) opened.value.close()
  })
})

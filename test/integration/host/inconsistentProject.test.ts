/**
 * An inconsistent project the user chose to open read-only (issue 11): it opened silently and the
 * history said "Nothing yet" while the status bar said "2 nodes". Now the host shows it as its
 * repair would leave it (in memory: the file is not written), tells the renderer it is read-only
 * and what is wrong, and every node appears in the history rows.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { RequestResults } from '../../../core/contract/api'
import { importImage } from '../../../core/domain/actions'
import { asNodeId } from '../../../core/ids'
import { systemClock } from '../../../main/services/clock'
import { EngineProcess } from '../../../main/services/engineProcess'
import { openStudio } from '../../../main/services/openStudio'
import { defaultDriver } from '../../../main/store/driver'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { historyRows } from '../../../renderer/src/components/historyRows'
import { blobOf, bytesFor, tempDir } from '../store/helpers'

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex')

describe('an inconsistent project opened read-only', () => {
  let tmp: ReturnType<typeof tempDir>
  beforeEach(() => (tmp = tempDir()))
  afterEach(() => tmp.cleanup())

  it('shows every node, says it is read-only and why, and leaves the file as it was', async () => {
    const path = join(tmp.dir, 'loop.kstudio')
    const created = openProjectStore(path, { create: true })
    if (!created.ok) throw new Error(created.error.message)
    for (const [i, id] of ['a', 'b'].entries()) {
      const bytes = bytesFor(i + 1, 500)
      const diff = importImage(created.value.load(), { id: asNodeId(id), blob: blobOf(bytes), sourceName: `${id}.png`, at: i + 1 })
      if (!diff.ok) throw new Error(diff.error.message)
      created.value.commit(diff.value, new Map([[blobOf(bytes).hash, bytes]]))
    }
    created.value.close()
    // a and b each other's parent: no root, so the history showed nothing.
    const raw = defaultDriver()?.open(path, { readOnly: false, mustExist: true })
    raw?.exec(
      `UPDATE nodes SET parent_id = CASE id WHEN 'a' THEN 'b' ELSE 'a' END; UPDATE nodes SET prompt = printf('%.*c', 3000000, 'x') WHERE id = 'b'`,
    )
    raw?.close()
    const before = sha(path)

    expect(() => openStudio({ projectPath: path, engine: new EngineProcess({ modelDirs: [] }), clock: systemClock })).toThrow(
      expect.objectContaining({ code: 'store.inconsistent' }),
    )
    const host = openStudio({ projectPath: path, engine: new EngineProcess({ modelDirs: [] }), clock: systemClock, readOnly: true })
    const project = (await host.handle('getProject', {})) as RequestResults['getProject']
    expect(project.access?.readOnly).toBe(true)
    expect(project.access?.problems.join(' ')).toMatch(/each other's ancestors/)
    expect(project.access?.problems.join(' ')).toMatch(/instruction of node b is 3000000 characters long/)
    expect(historyRows(project.nodes, new Set()).map((r) => r.node.id)).toEqual(['a', 'b'])
    expect(project.nodes[asNodeId('b')]?.prompt?.length).toBeLessThanOrEqual(2000)
    await expect(host.handle('setNodeLabel', { nodeId: 'a', label: 'x' })).rejects.toMatchObject({ code: 'store.readOnly' })
    await host.close()
    expect(sha(path)).toBe(before)
  })
})

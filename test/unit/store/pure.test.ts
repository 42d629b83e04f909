/** The store's pure pieces: header parsing, driver error mapping, search terms, and core's trash plan. */
import { describe, expect, it } from 'vitest'
import type { BlobHash, FrameId, JobId, NodeId } from '../../../core/ids'
import { createEmptyProject, type HistoryNode, type ProjectState } from '../../../core/domain/model'
import { baseNode } from '../../../core/domain/nodeFactory'
import { planEmptyTrash, removableNodes } from '../../../core/domain/trash'
import { sqliteCode } from '../../../main/store/driver/errors'
import { fsErrorToStoreError, parseHeader } from '../../../main/store/fileCheck'
import { searchTerms } from '../../../main/store/queries'

const hash = (c: string): BlobHash => c.repeat(64) as BlobHash

function header(fields: { pageSize?: number; pages?: number; valid?: boolean; userVersion?: number; appId?: number }): Uint8Array {
  const b = Buffer.alloc(100)
  b.write('SQLite format 3\u0000', 0, 'latin1')
  b.writeUInt16BE(fields.pageSize ?? 4096, 16)
  b.writeUInt32BE(7, 24)
  b.writeUInt32BE(fields.pages ?? 3, 28)
  b.writeInt32BE(fields.userVersion ?? 2, 60)
  b.writeInt32BE(fields.appId ?? 0, 68)
  b.writeUInt32BE(fields.valid === false ? 6 : 7, 92)
  return b
}

describe('parseHeader', () => {
  it('reads page size, page count, user_version and application_id', () => {
    expect(parseHeader(header({ pages: 9, userVersion: 2, appId: 0x4b535444 }))).toEqual({
      pageSize: 4096,
      pageCount: 9,
      userVersion: 2,
      applicationId: 0x4b535444,
    })
  })
  it('reads a page size of 1 as 65536, and ignores a page count that is not valid for this change counter', () => {
    expect(parseHeader(header({ pageSize: 1, valid: false }))).toMatchObject({ pageSize: 65536, pageCount: null })
  })
  it('says null for anything that is not a SQLite header', () => {
    expect(parseHeader(new Uint8Array(100))).toBeNull()
    expect(parseHeader(header({}).subarray(0, 50))).toBeNull()
  })
})

describe('error mapping', () => {
  it('names the primary SQLite code from either driver', () => {
    expect(sqliteCode({ code: 'SQLITE_BUSY' })).toBe('SQLITE_BUSY')
    expect(sqliteCode({ code: 'SQLITE_IOERR_SHORT_READ' })).toBe('SQLITE_IOERR')
    expect(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 5 })).toBe('SQLITE_BUSY')
    expect(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 26 })).toBe('SQLITE_NOTADB')
    expect(sqliteCode({ code: 'ERR_SQLITE_ERROR', errcode: 261 })).toBe('SQLITE_BUSY') // SQLITE_BUSY_RECOVERY
    expect(sqliteCode(new Error('x'))).toBeNull()
  })
  it('maps file-system errors to store errors', () => {
    expect(fsErrorToStoreError('/a/b.kstudio', 'EACCES', '').code).toBe('store.permissionDenied')
    expect(fsErrorToStoreError('/a/b.kstudio', 'EISDIR', '').code).toBe('store.isDirectory')
    expect(fsErrorToStoreError('/a/b.kstudio', 'ENOENT', '').message).toMatch(/^b\.kstudio does not exist/)
    expect(fsErrorToStoreError('/a/b.kstudio', 'EIO', 'boom').code).toBe('store.io')
  })
})

describe('searchTerms', () => {
  it('keeps words and numbers of any script, lower-cased, and drops FTS syntax', () => {
    expect(searchTerms('Red BOTTLE, "marble" AND NEAR(x*)')).toEqual(['red', 'bottle', 'marble', 'and', 'near', 'x'])
    expect(searchTerms('café 東京 4k')).toEqual(['café', '東京', '4k'])
    expect(searchTerms(' -- ')).toEqual([])
  })
})

describe('planEmptyTrash', () => {
  const node = (id: string, parent: string | null, extra: Partial<HistoryNode> = {}): HistoryNode => ({
    ...baseNode(id as NodeId, parent as NodeId | null, 'edit', 1),
    ...extra,
  })
  function project(nodes: HistoryNode[], extra: Partial<ProjectState> = {}): ProjectState {
    const base = createEmptyProject('p', 'p', 0)
    const blobs = Object.fromEntries(
      ['a', 'b', 'c', 'd'].map((c) => [
        hash(c),
        { hash: hash(c), width: 1, height: 1, format: 'png' as const, byteSize: 10, hasAlpha: false },
      ]),
    )
    return { ...base, blobs, nodes: Object.fromEntries(nodes.map((n) => [n.id, n])), ...extra }
  }

  it('removes trashed leaves with their jobs and frames, and the images only they used', () => {
    const state = project(
      [
        node('root', null, { resultBlob: hash('a') }),
        node('gone', 'root', { deletedAt: 5, resultBlob: hash('b'), contextBlobs: [hash('a')], region: { maskBlob: hash('c') } }),
      ],
      {
        jobs: {
          ['j' as JobId]: {
            id: 'j' as JobId,
            nodeId: 'gone' as NodeId,
            order: 1,
            createdAt: 1,
          },
        },
        frames: {
          ['f' as FrameId]: {
            id: 'f' as never,
            order: 1,
            nodeId: 'gone' as NodeId,
            title: '',
            notes: '',
            durationMs: 1,
            candidateNodeId: null,
          },
          ['g' as FrameId]: {
            id: 'g' as never,
            order: 2,
            nodeId: 'root' as NodeId,
            title: '',
            notes: '',
            durationMs: 1,
            candidateNodeId: 'gone' as NodeId,
          },
        },
      },
    )
    const plan = planEmptyTrash(state)
    expect(plan.removeNodes).toEqual(['gone'])
    expect(plan.removeJobs).toEqual(['j'])
    expect(plan.removeFrames).toEqual(['f'])
    expect(plan.putFrames?.map((f) => [f.id, f.candidateNodeId])).toEqual([['g', null]])
    // a: still root's result; b, c: only the removed node's; d: referenced by nothing at all.
    expect([...(plan.removeBlobs ?? [])].sort()).toEqual([hash('b'), hash('c'), hash('d')])
  })

  it('keeps a trashed node while a live node descends from it or its job runs', () => {
    const state = project(
      [node('root', null, { deletedAt: 5 }), node('child', 'root'), node('busy', null, { deletedAt: 5, status: 'running' })],
      {
        jobs: {
          ['j' as JobId]: {
            id: 'j' as JobId,
            nodeId: 'busy' as NodeId,
            order: 1,
            createdAt: 1,
          },
        },
      },
    )
    expect([...removableNodes(state)]).toEqual([])
  })

  it('keeps images used by the layers of a live node', () => {
    const state = project([node('root', null)], {
      layers: {
        ['root' as NodeId]: {
          nodeId: 'root' as NodeId,
          width: 1,
          height: 1,
          layers: [
            {
              kind: 'image',
              id: 'l' as never,
              name: '',
              visible: true,
              locked: false,
              opacity: 1,
              transform: { x: 0, y: 0, scaleX: 1, scaleY: 1, rotation: 0 },
              blob: hash('d'),
              width: 1,
              height: 1,
            },
          ],
        },
      },
    })
    expect(planEmptyTrash(state).removeBlobs).not.toContain(hash('d'))
  })
})

describe('checkProjectFile', () => {
  it('treats a file shorter than its header says as truncated only when no WAL could complete it', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { checkProjectFile } = await import('../../../main/store/fileCheck')
    const dir = mkdtempSync(join(tmpdir(), 'kstudio-unit-'))
    try {
      const path = join(dir, 'p.kstudio')
      // Header claims 3 pages of 4096 bytes; the file has one. A checkpoint killed half-way looks like this.
      writeFileSync(path, Buffer.concat([header({ pages: 3, appId: 0x4b535444, userVersion: 2 }), Buffer.alloc(4096 - 100)]))
      expect(checkProjectFile(path)).toMatchObject({ kind: 'refused', error: { code: 'store.truncated' } })
      writeFileSync(`${path}-wal`, Buffer.alloc(32))
      expect(checkProjectFile(path)).toEqual({ kind: 'project', version: 2 })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

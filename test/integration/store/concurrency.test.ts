/**
 * One writer per project: while a process holds a project, a second opener — another process or
 * another handle in this one — gets `project.locked`. The lock is the OS's (SQLite
 * locking_mode=EXCLUSIVE), so a holder killed with SIGKILL leaves nothing that blocks the next open.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DriverName } from '../../../main/store/driver'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { driversUnderTest, tempDir } from './helpers'

const OPEN_AS = resolve('test/integration/store/openAs.ts')

/** Starts a process that opens the project and holds it until its stdin closes. */
function holder(path: string, driver: DriverName): Promise<ChildProcessWithoutNullStreams> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', OPEN_AS, path, driver, 'hold'])
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      if (out.includes('\n')) {
        const result = JSON.parse(out.split('\n')[0] as string) as { ok: boolean; message?: string }
        if (result.ok) done(child)
        else fail(new Error(result.message))
      }
    })
    child.on('error', fail)
  })
}

const exited = (child: ChildProcessWithoutNullStreams): Promise<void> => new Promise((done) => child.once('close', () => done()))

function openInAnotherProcess(path: string, driver: DriverName): { ok: boolean; code?: string; message?: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', OPEN_AS, path, driver], { encoding: 'utf8', timeout: 30_000 })
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; code?: string }
}

describe.each(driversUnderTest())('one writer per project on %s', (driver) => {
  let tmp: ReturnType<typeof tempDir>
  let path: string
  beforeEach(() => {
    tmp = tempDir()
    path = join(tmp.dir, 'shared.kstudio')
    const created = openProjectStore(path, { create: true, driver })
    if (created.ok) created.value.close()
  })
  afterEach(() => tmp.cleanup())

  it('refuses a second process, and this process, while another process holds the project', async () => {
    const first = await holder(path, driver)
    try {
      const other = openInAnotherProcess(path, driver)
      expect(other).toMatchObject({ ok: false, code: 'project.locked' })
      expect(other.message).toMatch(/already open in another Kontext Studio window or program/)
      const here = openProjectStore(path, { driver })
      expect(here.ok ? 'opened' : here.error.code).toBe('project.locked')
      const readOnly = openProjectStore(path, { driver, readOnly: true })
      expect(readOnly.ok ? 'opened' : readOnly.error.code).toBe('project.locked')
    } finally {
      first.stdin.end()
      await exited(first)
    }
    // A clean close releases it at once.
    expect(openInAnotherProcess(path, driver)).toMatchObject({ ok: true })
  })

  it('refuses a second handle in the same process', () => {
    const first = openProjectStore(path, { driver })
    if (!first.ok) throw new Error(first.error.message)
    const second = openProjectStore(path, { driver })
    expect(second.ok ? 'opened' : second.error.code).toBe('project.locked')
    first.value.close()
    const third = openProjectStore(path, { driver })
    expect(third.ok).toBe(true)
    if (third.ok) third.value.close()
  })

  it('keeps writers out while a read-only viewer has the project open', () => {
    const viewer = openProjectStore(path, { driver, readOnly: true })
    if (!viewer.ok) throw new Error(viewer.error.message)
    viewer.value.load()
    expect(openInAnotherProcess(path, driver)).toMatchObject({ ok: false, code: 'project.locked' })
    viewer.value.close()
    expect(openInAnotherProcess(path, driver)).toMatchObject({ ok: true })
  })

  it('does not stay locked after the holder is killed with SIGKILL', async () => {
    const first = await holder(path, driver)
    expect(openInAnotherProcess(path, driver)).toMatchObject({ ok: false, code: 'project.locked' })
    first.kill('SIGKILL')
    await exited(first)
    const after = openProjectStore(path, { driver })
    expect(after.ok ? 'opened' : after.error.code).toBe('opened')
    if (after.ok) {
      expect(after.value.integrityCheck()).toBeNull()
      after.value.close()
    }
  })
})

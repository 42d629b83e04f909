/**
 * The host goes away under an open studio (a crash, a restart) and comes back on the same address:
 * the page says it is reconnecting, then catches up with what changed meanwhile — without a reload —
 * and keeps working.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { importImage } from '../../core/domain/actions'
import { asNodeId } from '../../core/ids'
import { blobHashOf } from '../../engine/hashing'
import { openProjectStore } from '../../main/store/sqliteProjectStore'
import { dropFiles } from './support/browser'
import { startStudioServer, type StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-reconnect-'))
const projectPath = join(dir, 'reconnect.kstudio')
let browser: Browser
let server: StudioServer
let page: Page

const photo = async (r: number, g: number, b: number): Promise<Uint8Array> =>
  new Uint8Array(
    await sharp({ create: { width: 48, height: 32, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer(),
  )
const rows = () => page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem')

/** What another window (or a script) does to the file while this page cannot hear the host. */
async function importBehindTheStudiosBack(name: string): Promise<void> {
  const opened = openProjectStore(projectPath)
  if (!opened.ok) throw new Error(opened.error.message)
  const store = opened.value
  const bytes = await photo(200, 60, 60)
  const meta = { hash: blobHashOf(bytes), width: 48, height: 32, format: 'png', byteSize: bytes.byteLength, hasAlpha: false } as const
  const diff = importImage(store.load(), { id: asNodeId('addedwhileaway'), blob: meta, sourceName: name, at: Date.now() })
  if (!diff.ok) throw new Error(diff.error.message)
  store.commit(diff.value, new Map([[meta.hash, bytes]]))
  store.close()
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(projectPath, { viewport: { width: 1280, height: 800 } }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the host restarts under an open studio', () => {
  it('says it is reconnecting while the host is away', async () => {
    await dropFiles(page, [{ name: 'first.png', type: 'image/png', bytes: await photo(30, 110, 30) }])
    await rows().filter({ hasText: 'first.png' }).waitFor()
    await server.stop()
    await page.getByRole('status').filter({ hasText: 'Reconnecting to the studio host' }).waitFor({ timeout: 30_000 })
    // The engine's state says why, without hovering.
    expect(await page.getByLabel('Engine status').textContent()).toMatch(/restarting — host connection lost/)
  })

  it('catches up with what changed meanwhile, without a reload', async () => {
    await importBehindTheStudiosBack('added-while-away.png')
    server = await startStudioServer(projectPath, { port: Number(new URL(page.url()).port) })
    await page.getByRole('treeitem', { name: 'import: added-while-away.png' }).waitFor({ timeout: 30_000 })
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Reconnecting to the studio host' }).count(), { timeout: 30_000 })
      .toBe(0)
    expect(await rows().count()).toBe(2)
  })

  it('keeps working: a photo dropped on the history imports as before', async () => {
    // On the history, not the canvas: with a node shown, the canvas takes drops as layers.
    await dropFiles(page, [{ name: 'after.png', type: 'image/png', bytes: await photo(20, 20, 160) }], '[aria-label="History"]')
    await page.getByRole('treeitem', { name: 'import: after.png' }).waitFor()
    expect(await rows().count()).toBe(3)
  })
})

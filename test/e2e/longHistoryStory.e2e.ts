/**
 * A linear history of 20,000 edits (issue 11): the renderer threw "Maximum call stack size
 * exceeded" and the history stayed empty. The project is built with the store API (one
 * transaction), served by the real web host, and opened in Chromium: the history panel shows its
 * rows, scrolls to the last edit, the graph view lays the chain out, and the host keeps answering.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { asNodeId, type BlobHash } from '../../core/ids'
import type { HistoryNode } from '../../core/domain/model'
import { blobHashOf } from '../../engine/hashing'
import { createProjectStore } from '../../main/store'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const N = 20_000
const dir = mkdtempSync(join(tmpdir(), 'kstudio-long-'))
let browser: Browser
let server: StudioServer
let page: Page
const pageErrors: string[] = []

async function buildLongProject(path: string): Promise<void> {
  const png = new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 30, g: 120, b: 200 } } })
      .png()
      .toBuffer(),
  )
  const hash = blobHashOf(png) as BlobHash
  const created = createProjectStore(path, { now: () => 1 })
  if (!created.ok) throw new Error(created.error.message)
  const node = (i: number): HistoryNode => ({
    id: asNodeId(`n${i}`),
    parentId: i === 0 ? null : asNodeId(`n${i - 1}`),
    kind: i === 0 ? 'import' : 'edit',
    // Edits that were never run (cancelled): no result image is made up for them.
    prompt: i === 0 ? null : `edit ${i}`,
    params: null,
    contextBlobs: [],
    contextFromParent: false,
    resultBlob: i === 0 ? hash : null,
    status: i === 0 ? 'done' : 'cancelled',
    error: null,
    timings: {},
    createdAt: 1000 + i,
    label: null,
    starred: false,
    deletedAt: null,
    sourceName: i === 0 ? 'photo.png' : null,
    region: null,
  })
  created.value.commit(
    {
      putBlobs: [{ hash, width: 64, height: 48, format: 'png', byteSize: png.byteLength, hasAlpha: false }],
      putNodes: Array.from({ length: N }, (_, i) => node(i)),
    },
    new Map([[hash, png]]),
  )
  created.value.close()
}

const rows = () => page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem')

beforeAll(async () => {
  const path = join(dir, 'long.kstudio')
  await buildLongProject(path)
  ;({ browser, server, page } = await openStudioPage(path, {
    beforeLoad: (p) => p.on('pageerror', (e) => pageErrors.push(e.message)),
  }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('a project with a 20,000-node linear history', () => {
  it('shows the history rows, root first, and the status bar counts every node', async () => {
    await page.getByRole('treeitem', { name: 'import: photo.png' }).waitFor()
    await expect.poll(() => page.getByLabel('Status bar').textContent()).toContain(`${N} nodes`)
    expect(await rows().count()).toBeGreaterThan(5)
    expect(await page.getByText('Nothing yet').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })

  it('scrolls to the last edit, 20,000 deep', async () => {
    await page.getByRole('tree', { name: 'History tree' }).evaluate((el) => (el.scrollTop = el.scrollHeight))
    const last = page.getByRole('treeitem', { name: `edit: edit ${N - 1}`, exact: true })
    await last.waitFor()
    expect(await last.getAttribute('aria-level')).toBe(String(N))
    // The row is indented no further than a few levels: it is on screen, not 280,000 px away.
    expect((await last.boundingBox())?.x).toBeLessThan(1400)
  })

  it('lays the chain out as a graph, and the host still answers', async () => {
    await page.getByRole('button', { name: 'Show history as a graph' }).click()
    await page.getByRole('tree', { name: 'History graph' }).getByRole('treeitem').first().waitFor()
    const answer = await page.evaluate(async (url) => (await fetch(url)).status, server.url)
    expect(answer).toBe(200)
    expect(pageErrors).toEqual([])
  })
})

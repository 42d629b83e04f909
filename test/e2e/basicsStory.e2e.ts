/**
 * Issue 15, trap 10 — the basics a new designer looks for: an Import button beside drag and drop,
 * each model once in the model menu, a graph toggle whose name says what it does now, a Guidance
 * field that explains itself, and a status bar that says which provider ran the last job.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { canvasHelpers } from './support/canvasPage'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-basics-'))
let browser: Browser
let server: StudioServer
let page: Page

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'basics.kstudio'), { viewport: { width: 1280, height: 800 } }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the basics', () => {
  it('imports from a button as well as by dropping', async () => {
    await page
      .getByLabel('Import images', { exact: true })
      .setInputFiles([{ name: 'shoe.png', mimeType: 'image/png', buffer: Buffer.from(await navySceneWithRedCircle()) }])
    await page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem', { name: 'import: shoe.png', exact: true }).waitFor()
  })

  it('lists each model once, the project default by its name', async () => {
    const menu = page.getByLabel('Model', { exact: true })
    await expect.poll(async () => (await menu.locator('option').allTextContents()).join('|'), { timeout: 60_000 }).toContain('bundled')
    const options = await menu.locator('option').allTextContents()
    expect(options).toEqual(['Kontext tiny (bundled) (project default)'])
  })

  it('names the history view toggle by what it will do', async () => {
    await page.getByRole('button', { name: 'Show history as a graph' }).click()
    await page.getByRole('button', { name: 'Show history as a list' }).click()
    await page.getByRole('button', { name: 'Show history as a graph' }).waitFor()
  })

  it('explains Guidance where it is set', async () => {
    const label = page.locator('label', { has: page.getByLabel('Guidance', { exact: true }) })
    expect(await label.getAttribute('title')).toMatch(/how strongly the picture follows the instruction/i)
  })

  it('says which provider ran the last job, not what it might choose', async () => {
    const provider = page.getByLabel('Execution provider')
    await expect
      .poll(() => provider.textContent(), { timeout: 60_000 })
      .toMatch(/Provider: (none yet — tries .*cpu|\w+ \(ran the last job\))/)
    const c = canvasHelpers(page)
    await page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem', { name: 'import: shoe.png', exact: true }).click()
    const before = (await c.currentNode())?.id as string
    await c.generate('make the red circle blue', before)
    await expect.poll(() => provider.textContent(), { timeout: 60_000 }).toMatch(/Provider: \w+ \(ran the last job\)/)
    expect(await provider.textContent()).not.toContain('chosen at the first run')
  })
})

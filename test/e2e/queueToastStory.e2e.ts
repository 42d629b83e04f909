/**
 * Issue 15, trap 7: queue rows keep their place as jobs finish (a Cancel never lands on the wrong
 * job), show the whole instruction, and leave on "Clear finished"; messages leave by themselves
 * and never cover a control.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-queue-rows-'))
let browser: Browser
let server: StudioServer
let page: Page

const queue = () => page.getByRole('complementary', { name: 'Queue' })
const rowIds = () =>
  queue()
    .locator('li[data-node-id]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')))
const instruction = () => page.getByLabel('Instruction', { exact: true })
const LONG = 'move the red circle to row two col four'

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'rows.kstudio'), { viewport: { width: 1280, height: 800 } }))
  await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
  await page.getByRole('treeitem', { name: 'import: hero.png' }).waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('queue rows and messages', () => {
  it('keeps every row in its place while jobs finish, with the whole instruction', async () => {
    await page.getByLabel('Steps', { exact: true }).fill('40')
    await page.getByLabel('Guidance', { exact: true }).fill('4')
    for (const text of ['move the red circle to row two col three', 'move the red circle to row one col four', LONG]) {
      await page.getByRole('treeitem', { name: 'import: hero.png' }).click()
      await instruction().fill(text)
      await instruction().press('Control+Enter')
      await page.getByRole('treeitem', { name: `edit: ${text}` }).waitFor({ timeout: 60_000 })
    }
    await expect.poll(rowIds, { timeout: 30_000 }).toHaveLength(3)
    const order = await rowIds()
    await expect.poll(() => queue().locator('li[data-state="done"]').count(), { timeout: 180_000 }).toBe(3)
    expect(await rowIds()).toEqual(order)
    const last = queue().locator(`li[data-node-id="${order[2]}"] button.link`)
    expect(await last.getAttribute('title')).toBe(LONG)
  })

  it('clears finished rows on request', async () => {
    await queue().getByRole('button', { name: 'Clear finished jobs' }).click()
    await expect.poll(rowIds).toEqual([])
    expect(await queue().textContent()).toContain('No jobs')
  })

  it('shows a refusal where it covers nothing, and lets it go by itself', async () => {
    await dropFiles(page, [{ name: 'notes.txt', type: 'text/plain', bytes: new TextEncoder().encode('not an image') }])
    const alert = page.getByRole('alert')
    await alert.first().waitFor()
    const a = (await alert.first().boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 }
    for (const control of [page.getByRole('button', { name: 'Generate' }), page.getByRole('button', { name: 'Cancel all jobs' })]) {
      const b = (await control.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 }
      const overlaps = a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
      expect(overlaps).toBe(false)
    }
    await expect.poll(() => alert.count(), { timeout: 60_000 }).toBe(0)
  })
})

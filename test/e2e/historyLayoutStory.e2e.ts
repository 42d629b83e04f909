/**
 * Issue 15, trap 9: the history reads at depth — a child's thumbnail is right of its parent's,
 * the status and drift badges never sit on the row's buttons, the drift badge says what it
 * measures — and the graph view zooms, pans and fits instead of being clipped in its panel.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { canvasHelpers } from './support/canvasPage'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-history-layout-'))
let browser: Browser
let server: StudioServer
let page: Page

const tree = () => page.getByRole('tree', { name: 'History tree' })
const row = (name: string) => tree().getByRole('treeitem', { name, exact: true })
const box = async (l: Locator) => (await l.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 }
const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'layout.kstudio'), { viewport: { width: 1280, height: 800 } }))
  await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
  await row('import: hero.png').waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the history at depth', () => {
  it('draws every child’s thumbnail right of its parent’s', async () => {
    const c = canvasHelpers(page)
    let previous = (await c.currentNode())?.id as string
    for (const text of ['make the red circle blue', 'change the background to white', 'move the red circle to row two col three']) {
      await page.getByLabel('Steps', { exact: true }).fill('3')
      previous = (await c.generate(text, previous)).id
    }
    const names = [
      'import: hero.png',
      'edit: make the red circle blue',
      'edit: change the background to white',
      'edit: move the red circle to row two col three',
    ]
    const xs = []
    for (const name of names) xs.push((await box(row(name).locator('.thumb'))).x)
    for (let i = 1; i < xs.length; i++) expect(xs[i] as number).toBeGreaterThan(xs[i - 1] as number)
  })

  it('keeps the badges off the current row’s buttons and says what drift measures', async () => {
    const current = row('edit: move the red circle to row two col three')
    await current.click()
    const drift = current.getByLabel(/Drift from parent/)
    await drift.waitFor({ timeout: 60_000 })
    expect(await drift.getAttribute('title')).toContain('not whether the instruction was followed')
    const d = await box(drift)
    for (const button of await current.locator('.actions button').all()) expect(overlap(d, await box(button))).toBe(false)
  })

  it('zooms, fits and pans the graph', async () => {
    await page.getByRole('button', { name: 'Show history as a graph' }).click()
    const graph = page.getByRole('tree', { name: 'History graph' })
    await graph.getByRole('treeitem').first().waitFor()
    const level = page.getByLabel('Graph zoom level')
    expect(await level.textContent()).toBe('100%')
    await page.getByRole('button', { name: 'Zoom the graph out' }).click()
    expect(await level.textContent()).toBe('80%')
    await page.getByRole('button', { name: 'Fit the whole graph' }).click()
    // Every card is inside the panel once fitted.
    const panel = await box(graph)
    for (const card of await graph.getByRole('treeitem').all()) {
      const b = await box(card)
      expect(b.y + b.height).toBeLessThanOrEqual(panel.y + panel.height + 1)
      expect(b.x + b.width).toBeLessThanOrEqual(panel.x + panel.width + 1)
    }
    // Zoomed in, dragging the background scrolls the graph.
    for (let i = 0; i < 6; i++) await page.getByRole('button', { name: 'Zoom the graph in' }).click()
    const scrollTop = () => graph.evaluate((el) => el.scrollTop)
    const before = await scrollTop()
    await page.mouse.move(panel.x + panel.width - 6, panel.y + panel.height - 20)
    await page.mouse.down()
    await page.mouse.move(panel.x + panel.width - 6, panel.y + 20, { steps: 6 })
    await page.mouse.up()
    expect(await scrollTop()).toBeGreaterThan(before)
    await page.getByRole('button', { name: 'Show history as a list' }).click()
  })

  it('searches instructions: only matching rows show, and clearing the search shows them all', async () => {
    const search = page.getByLabel('Search instructions')
    await search.fill('backgr white')
    await expect.poll(() => tree().getByRole('treeitem').count(), { timeout: 30_000 }).toBe(1)
    expect(await tree().getByRole('treeitem').getAttribute('aria-label')).toBe('edit: change the background to white')
    expect(await page.getByRole('status', { name: 'Search results' }).textContent()).toBe('1 found')
    await search.fill('zebra')
    await expect.poll(() => tree().getByRole('treeitem').count(), { timeout: 30_000 }).toBe(0)
    expect(await page.locator('.history .empty').textContent()).toContain('No instruction or name matches “zebra”')
    await search.fill('')
    await expect.poll(() => tree().getByRole('treeitem').count(), { timeout: 30_000 }).toBe(4)
  })
})

/**
 * Issue 15, trap 4: several takes of one instruction — siblings with their own seeds, side by side,
 * compare two, keep one and let the others go — and a node info panel with seed, steps, guidance,
 * model and time that still shows the instruction once the node is renamed.
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

const dir = mkdtempSync(join(tmpdir(), 'kstudio-variants-'))
let browser: Browser
let server: StudioServer
let page: Page

const tree = () => page.getByRole('tree', { name: 'History tree' })
const takes = () => tree().getByRole('treeitem', { name: 'edit: make the red circle blue', exact: true })
const tray = () => page.getByRole('region', { name: 'Variants' })

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'variants.kstudio'), { viewport: { width: 1280, height: 800 } }))
  await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
  await tree().getByRole('treeitem', { name: 'import: hero.png' }).waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('takes of one instruction', () => {
  it('queues three siblings with their own seeds and shows them side by side', async () => {
    const hero = tree().getByRole('treeitem', { name: 'import: hero.png' })
    await hero.click()
    await page.getByLabel('Steps', { exact: true }).fill('3')
    await page.getByLabel('Variants').selectOption('3')
    await page.getByLabel('Instruction', { exact: true }).fill('make the red circle blue')
    await page.getByRole('button', { name: 'Generate' }).click()
    await expect.poll(() => takes().count(), { timeout: 60_000 }).toBe(3)
    await expect.poll(() => tray().getByRole('listitem').count(), { timeout: 30_000 }).toBe(3)
    await expect.poll(() => tray().locator('img').count(), { timeout: 120_000 }).toBe(3)
    const seeds = await tray()
      .getByRole('listitem')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    expect(new Set(seeds).size).toBe(3)
    // All three are children of the photo, not a chain through each other.
    const heroId = await tree().getByRole('treeitem', { name: 'import: hero.png' }).getAttribute('data-node-id')
    for (let i = 0; i < 3; i++) {
      await tray()
        .getByRole('button', { name: `Show take ${i + 1}` })
        .click()
      const parent = await page.evaluate(
        () =>
          (window as unknown as { __kontextCanvas: { currentNode(): { parentId: string | null } | null } }).__kontextCanvas.currentNode()
            ?.parentId,
      )
      expect(parent).toBe(heroId)
    }
  })

  it('compares two takes, then keeps one and sends the others to the trash', async () => {
    await tray().getByLabel('Pick take 1 to compare').check()
    await tray().getByLabel('Pick take 3 to compare').check()
    await tray().getByRole('button', { name: 'Compare the two picked takes' }).click()
    const dialog = page.getByRole('dialog', { name: 'Compare' })
    await dialog.waitFor()
    const a = await dialog.getByLabel('Compare A').inputValue()
    const b = await dialog.getByLabel('Compare B').inputValue()
    expect(a).not.toBe(b)
    await dialog.getByRole('button', { name: 'Close compare' }).click()
    await tray().getByRole('button', { name: 'Keep take 2, discard the others' }).click()
    await expect.poll(() => takes().count()).toBe(1)
    await expect.poll(() => tray().count()).toBe(0)
    expect(await page.getByLabel('Trash (2)').count()).toBe(1)
  })

  it('shows how the node was made, and keeps the instruction visible after a rename', async () => {
    await takes().click()
    const info = page.getByRole('group', { name: 'Node info' })
    await expect.poll(() => info.textContent()).toContain('make the red circle blue')
    const text = (await info.textContent()) ?? ''
    expect(text).toMatch(/Seed\s*\d+/)
    expect(text).toMatch(/Steps\s*3/)
    expect(text).toMatch(/Guidance\s*[\d.]+/)
    expect(text).toContain('Kontext tiny')
    expect(text).toMatch(/Time\s*[\d.]+ s/)
    await takes().dblclick()
    const name = page.getByLabel('Node name')
    await name.fill('blue hero')
    await name.press('Enter')
    await tree().getByRole('treeitem', { name: 'edit: blue hero' }).waitFor()
    await expect.poll(() => info.textContent()).toContain('blue hero')
    expect(await info.textContent()).toContain('make the red circle blue')
  })
})

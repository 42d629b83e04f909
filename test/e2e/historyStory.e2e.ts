/**
 * Issue 8's history panel beyond the designer story: re-run with a new seed makes a sibling, the
 * keyboard walks parent, child and siblings, a branch collapses, a node is renamed, and a branch
 * goes to the trash, comes back, goes again and is emptied for good — with the history panel
 * and the trash agreeing at every step.
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

const dir = mkdtempSync(join(tmpdir(), 'kstudio-history-'))
let browser: Browser
let server: StudioServer
let page: Page

const tree = () => page.getByRole('tree', { name: 'History tree' })
const item = (name: string) => tree().getByRole('treeitem', { name, exact: true })
const labels = () =>
  tree()
    .getByRole('treeitem')
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
const currentLabel = () => tree().locator('[role="treeitem"][aria-selected="true"]').getAttribute('aria-label')

async function settle(): Promise<void> {
  await expect
    .poll(() => page.locator('[role="treeitem"][data-status="queued"], [role="treeitem"][data-status="running"]').count(), {
      timeout: 60_000,
    })
    .toBe(0)
}

async function edit(instruction: string): Promise<void> {
  await page.getByLabel('Instruction', { exact: true }).fill(instruction)
  await page.getByLabel('Instruction', { exact: true }).press('Control+Enter')
  await item(`edit: ${instruction}`).first().waitFor()
  await settle()
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'history.kstudio')))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the history panel', () => {
  it('re-runs a node with a new seed as a sibling, keeping the original', async () => {
    await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
    await item('import: hero.png').waitFor()
    await edit('make the red circle blue')
    await item('edit: make the red circle blue').getByRole('button', { name: 'Re-run with a new seed' }).click()
    await expect.poll(() => tree().getByRole('treeitem', { name: 'edit: make the red circle blue' }).count()).toBe(2)
    await settle()
    // Both are children of the import (one level of indent), side by side.
    const depths = await tree()
      .getByRole('treeitem', { name: 'edit: make the red circle blue' })
      .evaluateAll((els) => els.map((e) => (e as HTMLElement).style.paddingLeft))
    expect(depths).toEqual(['22px', '22px'])
    expect(await labels()).toEqual(['import: hero.png', 'edit: make the red circle blue', 'edit: make the red circle blue'])
  })

  it('walks the tree with the keyboard: parent, first child, next sibling', async () => {
    await item('import: hero.png').click()
    await tree().focus()
    await page.keyboard.press('ArrowRight')
    await expect.poll(currentLabel).toBe('edit: make the red circle blue')
    const firstChild = await tree().locator('[aria-selected="true"]').getAttribute('data-node-id')
    await page.keyboard.press('ArrowDown')
    const secondChild = await tree().locator('[aria-selected="true"]').getAttribute('data-node-id')
    expect(secondChild).not.toBe(firstChild)
    await page.keyboard.press('ArrowLeft')
    await expect.poll(currentLabel).toBe('import: hero.png')
  })

  it('collapses and expands a branch', async () => {
    await item('import: hero.png').getByRole('button', { name: 'Collapse branch' }).click()
    expect(await labels()).toEqual(['import: hero.png'])
    await item('import: hero.png').getByRole('button', { name: 'Expand branch' }).click()
    expect(await labels()).toHaveLength(3)
  })

  it('renames a node from the keyboard (F2), and Escape leaves a name as it was', async () => {
    await item('import: hero.png').click()
    await tree().focus()
    await page.keyboard.press('F2')
    // The field takes focus with its text selected, so typing replaces the name.
    await page.keyboard.type('Scratch name')
    await page.keyboard.press('Escape')
    await expect.poll(() => item('import: hero.png').getByLabel('Node name').count()).toBe(0)
    // Focus is back on the tree, so the keyboard user carries on from where they were.
    await page.keyboard.press('F2')
    await page.keyboard.type('Hero shot, studio light')
    // Arrow keys edit the text; they must not walk the tree away from the field.
    await page.keyboard.press('ArrowLeft')
    await page.keyboard.press('ArrowRight')
    await page.keyboard.press('Enter')
    await item('import: Hero shot, studio light').waitFor()
    expect(await currentLabel()).toBe('import: Hero shot, studio light')
  })

  it('renames by double-click too', async () => {
    await item('import: Hero shot, studio light').locator('.title').dblclick()
    await page.keyboard.type('Hero')
    await page.keyboard.press('Enter')
    await item('import: Hero').waitFor()
    await item('import: Hero').locator('.title').dblclick()
    await page.keyboard.type('Hero shot, studio light')
    await page.keyboard.press('Enter')
    await item('import: Hero shot, studio light').waitFor()
  })

  it('moves a branch to the trash and restores it', async () => {
    const victim = tree().getByRole('treeitem', { name: 'edit: make the red circle blue' }).last()
    // A row's actions show on the current node (and under the pointer).
    await victim.click()
    await victim.getByRole('button', { name: 'Delete branch' }).click()
    await expect.poll(labels).toEqual(['import: Hero shot, studio light', 'edit: make the red circle blue'])
    await page.getByLabel('Trash (1)').click()
    await page.locator('section[aria-label="Trash"]').getByRole('button', { name: 'Restore make the red circle blue' }).click()
    await expect.poll(labels).toHaveLength(3)
    await page.getByLabel('Trash (0)').waitFor()
  })

  it('empties the trash for good after the designer confirms', async () => {
    const victim = tree().getByRole('treeitem', { name: 'edit: make the red circle blue' }).last()
    await victim.click()
    await victim.getByRole('button', { name: 'Delete branch' }).click()
    await page.getByLabel('Trash (1)').waitFor()
    page.once('dialog', (dialog) => void dialog.accept())
    await page.locator('section[aria-label="Trash"]').getByRole('button', { name: 'Empty trash' }).click()
    await page.getByLabel('Trash (0)').waitFor()
    await page
      .getByRole('status')
      .filter({ hasText: /Removed 1 nodes?/ })
      .waitFor()
    // A reload reads the file again: the emptied branch is gone, the rest is there.
    await page.reload()
    await item('import: Hero shot, studio light').waitFor()
    expect(await labels()).toEqual(['import: Hero shot, studio light', 'edit: make the red circle blue'])
    await page.getByLabel('Trash (0)').waitFor()
  })
})

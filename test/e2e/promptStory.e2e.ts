/**
 * The prompt bar (issue 8): a locked seed makes the same instruction give the same picture again,
 * and a running generation shows its steps right under the instruction, where it can be cancelled.
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

const dir = mkdtempSync(join(tmpdir(), 'kstudio-prompt-'))
let browser: Browser
let server: StudioServer
let page: Page

const tree = () => page.getByRole('tree', { name: 'History tree' })
const item = (name: string) => tree().getByRole('treeitem', { name, exact: true })
const instruction = () => page.getByLabel('Instruction', { exact: true })

async function settle(): Promise<void> {
  await expect
    .poll(() => page.locator('[role="treeitem"][data-status="queued"], [role="treeitem"][data-status="running"]').count(), {
      timeout: 60_000,
    })
    .toBe(0)
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'prompt.kstudio')))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the prompt bar', () => {
  it('with a locked seed, the same instruction on the same image gives the same picture', async () => {
    await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
    await item('import: hero.png').waitFor()
    await page.getByLabel('Lock seed').check()
    await page.getByLabel('Seed', { exact: true }).fill('1234')
    for (let run = 0; run < 2; run++) {
      await item('import: hero.png').click()
      await instruction().fill('make the red circle blue')
      await instruction().press('Control+Enter')
      // The host reads the model's vocabulary before queuing: the first one waits for the engine.
      await expect
        .poll(() => tree().getByRole('treeitem', { name: 'edit: make the red circle blue' }).count(), { timeout: 60_000 })
        .toBe(run + 1)
      await settle()
      // Heard by a screen reader, since the progress bar has gone.
      await expect
        .poll(() => page.getByRole('status', { name: 'Generation outcome' }).textContent())
        .toBe('Finished: make the red circle blue')
    }
    // Images are stored by content hash, so equal pictures have equal thumbnail addresses.
    const thumbs = await tree()
      .getByRole('treeitem', { name: 'edit: make the red circle blue' })
      .locator('img.thumb')
      .evaluateAll((imgs) => imgs.map((i) => i.getAttribute('src')))
    expect(thumbs).toHaveLength(2)
    expect(thumbs[0]).toBeTruthy()
    expect(thumbs[1]).toBe(thumbs[0])
    await page.getByLabel('Lock seed').uncheck()
  })

  it('shows the running generation under the instruction and cancels it from there', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Steps', { exact: true }).fill('200')
    // Guidance above 1 runs two passes a step on this model: long enough to watch and cancel.
    await page.getByLabel('Guidance', { exact: true }).fill('4')
    await instruction().fill('remove the red circle')
    await instruction().press('Control+Enter')
    const job = page.getByRole('group', { name: 'Current job' })
    const bar = job.getByRole('progressbar', { name: 'Generation progress' })
    await expect.poll(async () => Number(await bar.getAttribute('value')), { timeout: 60_000 }).toBeGreaterThan(0)
    expect(await bar.getAttribute('max')).toBe('200')
    await expect.poll(() => job.textContent()).toMatch(/Step \d+ of 200/)
    // The running node has no picture yet: picked, an edit of it queues behind it, to take its picture.
    await item('edit: remove the red circle').click()
    await instruction().fill('change the background to teal')
    await instruction().press('Control+Enter')
    const chained = item('edit: change the background to teal')
    await chained.waitFor()
    expect(await chained.getAttribute('data-status')).toBe('queued')
    await item('edit: remove the red circle').click()
    // An edit waits on this one's picture: cancelling asks whether to cancel it too (yes, here).
    let question = ''
    page.once('dialog', (dialog) => {
      question = dialog.message()
      void dialog.accept()
    })
    await job.getByRole('button', { name: 'Cancel this generation' }).click()
    await expect.poll(() => item('edit: remove the red circle').getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled')
    expect(question).toContain('1 queued edit waits on this result. Cancel it too?')
    await expect.poll(() => chained.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled')
    await expect.poll(() => job.count(), { timeout: 30_000 }).toBe(0)
    expect(await page.getByRole('status', { name: 'Generation outcome' }).textContent()).toBe('Cancelled: remove the red circle')
    // A cancelled node does not block the bar: the next edit starts from its parent.
    await expect
      .poll(() => page.getByRole('note', { name: 'About the selected node' }).textContent())
      .toContain('was cancelled: this edit starts from its parent')
    expect(await page.getByRole('button', { name: 'Generate' }).isEnabled()).toBe(true)
  })

  it('pressing Generate again makes another take of the same picture, not a chain through the pending one', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Steps', { exact: true }).fill('60')
    await instruction().fill('make the red circle green')
    await instruction().press('Control+Enter')
    await expect.poll(() => tree().getByRole('treeitem', { name: 'edit: make the red circle green' }).count(), { timeout: 60_000 }).toBe(1)
    // The new node is shown, not chosen: the bar still edits the photo.
    expect(await page.getByRole('button', { name: 'Generate' }).textContent()).toContain('Edit')
    await instruction().press('Control+Enter')
    await expect.poll(() => tree().getByRole('treeitem', { name: 'edit: make the red circle green' }).count(), { timeout: 60_000 }).toBe(2)
    const heroId = await item('import: hero.png').getAttribute('data-node-id')
    for (const take of await tree().getByRole('treeitem', { name: 'edit: make the red circle green' }).all()) {
      await take.click()
      const parent = await page.evaluate(
        () =>
          (window as unknown as { __kontextCanvas: { currentNode(): { parentId: string | null } | null } }).__kontextCanvas.currentNode()
            ?.parentId,
      )
      expect(parent).toBe(heroId)
    }
    await page.getByRole('button', { name: 'Cancel all jobs' }).click()
  })
})

/**
 * The queue panel (issue 8): jobs queue behind the running one, a queued job moved earlier runs
 * first, the running job shows its progress with elapsed and estimated time, cancel all stops
 * everything, and a cancelled job can be retried.
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

const dir = mkdtempSync(join(tmpdir(), 'kstudio-queue-'))
let browser: Browser
let server: StudioServer
let page: Page

const queue = () => page.getByRole('complementary', { name: 'Queue' })
const jobsIn = (state: string) =>
  queue()
    .locator(`li[data-state="${state}"]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
const instruction = () => page.getByLabel('Instruction', { exact: true })

/** Queues a slow edit of the photo: 200 steps at guidance 4 (two passes a step on this model). */
async function queueSlowEdit(text: string): Promise<void> {
  await page.getByRole('treeitem', { name: 'import: hero.png' }).click()
  await instruction().fill(text)
  await instruction().press('Control+Enter')
  await page.getByRole('treeitem', { name: `edit: ${text}` }).waitFor()
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'queue.kstudio')))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the queue panel', () => {
  it('queues jobs behind the running one and shows its progress with elapsed and remaining time', async () => {
    await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
    await page.getByRole('treeitem', { name: 'import: hero.png' }).waitFor()
    await page.getByLabel('Steps', { exact: true }).fill('200')
    await page.getByLabel('Guidance', { exact: true }).fill('4')
    await queueSlowEdit('change the background to teal')
    await queueSlowEdit('change the background to white')
    await queueSlowEdit('change the background to black')
    await expect.poll(() => jobsIn('running'), { timeout: 30_000 }).toEqual(['Job running: change the background to teal'])
    expect(await jobsIn('queued')).toEqual(['Job queued: change the background to white', 'Job queued: change the background to black'])
    const running = queue().locator('li[data-state="running"]')
    await expect
      .poll(async () => Number(await running.getByLabel('Job progress').getAttribute('value')), { timeout: 30_000 })
      .toBeGreaterThan(0)
    await expect.poll(() => running.textContent()).toMatch(/\d+\.\d s · ~\d+\.\d s left/)
  })

  it('runs a queued job moved earlier before the others', async () => {
    await queue()
      .getByRole('listitem', { name: 'Job queued: change the background to black' })
      .getByRole('button', { name: 'Run earlier' })
      .click()
    await expect
      .poll(() => jobsIn('queued'))
      .toEqual(['Job queued: change the background to black', 'Job queued: change the background to white'])
    await queue().locator('li[data-state="running"]').getByRole('button', { name: 'Cancel job' }).click()
    await expect.poll(() => jobsIn('running'), { timeout: 30_000 }).toEqual(['Job running: change the background to black'])
    expect(await jobsIn('queued')).toEqual(['Job queued: change the background to white'])
  })

  it('cancels every job at once, and retries a cancelled one', async () => {
    await queue().getByRole('button', { name: 'Cancel all jobs' }).click()
    await expect.poll(() => jobsIn('cancelled'), { timeout: 30_000 }).toHaveLength(3)
    expect([...(await jobsIn('running')), ...(await jobsIn('queued'))]).toEqual([])
    await expect
      .poll(() => page.getByRole('treeitem', { name: 'edit: change the background to white' }).getAttribute('data-status'))
      .toBe('cancelled')
    await queue()
      .getByRole('listitem', { name: 'Job cancelled: change the background to white' })
      .getByRole('button', { name: 'Retry job' })
      .click()
    await expect
      .poll(async () => [...(await jobsIn('running')), ...(await jobsIn('queued'))], { timeout: 30_000 })
      .toEqual([expect.stringMatching(/^Job (running|queued): change the background to white$/)])
    await queue().getByRole('button', { name: 'Cancel all jobs' }).click()
    await expect.poll(() => jobsIn('cancelled'), { timeout: 30_000 }).toHaveLength(3)
  })
})

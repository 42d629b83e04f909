/**
 * Issue 8's story, one designer's session: drop a photo, edit it twice, go back to the first edit
 * and branch, star a node, build three frames with "next shot", reorder them, apply one
 * instruction to two frames and accept one, cancel a running job, export the PDF and the GIF,
 * restart the studio, and find everything as it was.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PDFDocument } from 'pdf-lib'
import { pdfTexts } from '../support/pdfText'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { navySceneWithRedCircle } from './support/scenes'
import { startStudioServer, type StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-story-'))
const projectPath = join(dir, 'story.kstudio')
let browser: Browser
let server: StudioServer
let page: Page

const tree = () => page.getByRole('tree', { name: 'History tree' })
const item = (name: string) => tree().getByRole('treeitem', { name })
const frames = () => page.getByRole('list', { name: 'Frames' }).locator('li.frame')

/** Waits until no node is queued or running. */
async function settle(): Promise<void> {
  await expect
    .poll(async () => page.locator('[role="treeitem"][data-status="queued"], [role="treeitem"][data-status="running"]').count(), {
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

/** A snapshot of what the designer sees, to compare before and after a restart. */
async function visibleState() {
  return {
    nodes: await tree()
      .getByRole('treeitem')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('aria-label')}|${e.getAttribute('data-status')}`)),
    starred: await tree().locator('button[aria-label="Unstar node"]').count(),
    frames: await frames().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label'))),
    project: await page.getByRole('button', { name: 'Project settings' }).textContent(),
  }
}

async function download(label: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByLabel(label).click()])
  return readFileSync(await file.path())
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(projectPath))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('a designer’s session', () => {
  let before: Awaited<ReturnType<typeof visibleState>>

  it('drops a photo, edits it twice, then branches from the first edit', async () => {
    await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
    await item('import: hero.png').waitFor()
    await edit('change the background to teal')
    await edit('make the red circle blue')
    await item('edit: change the background to teal').click()
    await edit('change the background to beige')
    // The first edit now has two children, side by side one level below it: nothing was overwritten.
    const rows = await tree()
      .getByRole('treeitem')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('aria-label'), (e as HTMLElement).style.paddingLeft]))
    expect(rows).toEqual([
      ['import: hero.png', '8px'],
      ['edit: change the background to teal', '22px'],
      ['edit: make the red circle blue', '36px'],
      ['edit: change the background to beige', '36px'],
    ])
  })

  it('re-runs a branch on another photo, keeping its instructions in order', async () => {
    // Dropped on the history (not the canvas, where it would become a layer) it is a new root.
    await dropFiles(page, [{ name: 'second.png', type: 'image/png', bytes: await navySceneWithRedCircle() }], '[aria-label="History"]')
    await item('import: second.png').waitFor()
    await item('edit: make the red circle blue').click()
    await item('edit: make the red circle blue').getByRole('button', { name: 'Re-run this branch on another node' }).click()
    await item('import: second.png').click()
    await expect.poll(() => tree().getByRole('treeitem').count()).toBe(7)
    await settle()
    const rows = await tree()
      .getByRole('treeitem')
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute('aria-label'), (e as HTMLElement).style.paddingLeft, e.getAttribute('data-status')]),
      )
    expect(rows.slice(-3)).toEqual([
      ['import: second.png', '8px', 'done'],
      ['edit: change the background to teal', '22px', 'done'],
      ['edit: make the red circle blue', '36px', 'done'],
    ])
  })

  it('stars a node', async () => {
    const original = item('edit: make the red circle blue').first()
    await original.click()
    await original.getByRole('button', { name: 'Star node' }).click()
    await original.getByRole('button', { name: 'Unstar node' }).waitFor()
  })

  it('builds three frames with next shot and reorders them', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Add current node as a frame').click()
    await page.getByLabel('Shot instruction').fill('change the background to white')
    await page.getByLabel('Next shot').click()
    await expect.poll(() => frames().count()).toBe(2)
    await page.getByLabel('Shot instruction').fill('change the background to maroon')
    await page.getByLabel('Next shot').click()
    await expect.poll(() => frames().count()).toBe(3)
    await settle()
    const titles = () => frames().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    const pictures = () => frames().evaluateAll((els) => els.map((e) => e.querySelector('img')?.getAttribute('src') ?? ''))
    expect(await titles()).toEqual(['Frame 1: Shot 1', 'Frame 2: Shot 2', 'Frame 3: Shot 3'])
    const [first, second, third] = await pictures()
    await frames().nth(2).dragTo(frames().nth(0))
    // The pictures move; automatic titles are the shot's position, so they read 1, 2, 3 again.
    await expect.poll(pictures).toEqual([third, first, second])
    expect(await titles()).toEqual(['Frame 1: Shot 1', 'Frame 2: Shot 2', 'Frame 3: Shot 3'])
  })

  it('applies one instruction to two frames and accepts one', async () => {
    await page.getByLabel('Select frame 1').check()
    await page.getByLabel('Select frame 2').check()
    await page.getByLabel('Shot instruction').fill('change the background to black')
    await page.getByLabel('Apply to selected frames').click()
    const accept = page.getByLabel('Accept the edit of frame 1')
    await expect.poll(() => accept.count(), { timeout: 60_000 }).toBe(1)
    await settle()
    await expect.poll(() => accept.isEnabled(), { timeout: 60_000 }).toBe(true)
    const proposed = await frames().nth(0).locator('img.candidate').getAttribute('src')
    // Review controls sit inside their card, and nothing is drawn over the proposal.
    const box = async (l: ReturnType<Page['locator']>) => (await l.boundingBox()) ?? { x: 0, y: 0, width: 0, height: 0 }
    const card = await box(frames().nth(1))
    const discard = await box(page.getByLabel('Discard the edit of frame 2'))
    expect(discard.x + discard.width).toBeLessThanOrEqual(card.x + card.width)
    expect(discard.y + discard.height).toBeLessThanOrEqual(card.y + card.height)
    const proposal = await box(frames().nth(0).locator('img.candidate'))
    for (const control of ['Remove frame 1', 'Move frame 1 later']) {
      const b = await box(page.getByLabel(control))
      const overlaps =
        b.x < proposal.x + proposal.width && proposal.x < b.x + b.width && b.y < proposal.y + proposal.height && proposal.y < b.y + b.height
      expect(overlaps, control).toBe(false)
    }
    await accept.click()
    await page.getByLabel('Discard the edit of frame 2').click()
    await expect.poll(() => frames().nth(0).locator('img').first().getAttribute('src')).toBe(proposed)
    await expect.poll(() => page.locator('img.candidate').count()).toBe(0)
  })

  it('cancels a running job', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Steps', { exact: true }).fill('200')
    // Guidance above 1 runs two passes a step on this model: a long enough job to cancel mid-way.
    await page.getByLabel('Guidance', { exact: true }).fill('4')
    await page.getByLabel('Instruction', { exact: true }).fill('remove the red circle')
    await page.getByLabel('Instruction', { exact: true }).press('Control+Enter')
    const job = page.getByRole('listitem', { name: 'Job running: remove the red circle' })
    await job.waitFor({ timeout: 30_000 })
    await job.getByRole('button', { name: 'Cancel job' }).click()
    await page.getByRole('listitem', { name: 'Job cancelled: remove the red circle' }).waitFor()
    await expect.poll(() => item('edit: remove the red circle').getAttribute('data-status')).toBe('cancelled')
    await page.getByLabel('Steps', { exact: true }).fill('')
    await page.getByLabel('Guidance', { exact: true }).fill('')
  })

  it('names the project and sets its default steps', async () => {
    await page.getByRole('button', { name: 'Project settings' }).click()
    await page.getByLabel('Project name').fill('Spring campaign')
    await page.getByLabel('Default steps').fill('12')
    await page.getByLabel('Save settings').click()
    await expect.poll(() => page.getByLabel('Status bar').textContent()).toContain('Spring campaign')
    expect(await page.getByLabel('Steps', { exact: true }).getAttribute('placeholder')).toBe('12')
  })

  it('exports the storyboard as a PDF and a GIF that open with the right counts', async () => {
    const pdf = await PDFDocument.load(await download('Export storyboard as PDF'))
    expect(pdf.getPageCount()).toBe(1)
    // Each shot under its picture: its place, then the instruction that made it.
    const texts = await pdfTexts(pdf)
    expect(texts).toContain('1. Shot 1')
    expect(texts.some((t) => t.includes('change the background to white'))).toBe(true)
    const gif = await download('Export animatic as GIF')
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a')
    // Image descriptors that follow a graphic control extension: one per frame.
    let images = 0
    for (let i = 0; i + 9 < gif.length; i++)
      if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 4 && gif[i + 7] === 0 && gif[i + 8] === 0x2c) images++
    expect(images).toBe(3)
    before = await visibleState()
    expect(before.frames).toHaveLength(3)
    expect(before.starred).toBe(1)
  })

  it('finds everything as it was after a restart', async () => {
    await server.stop()
    server = await startStudioServer(projectPath)
    await page.goto(server.url)
    await item('import: hero.png').waitFor()
    await expect.poll(() => frames().count()).toBe(3)
    expect(await visibleState()).toEqual(before)
  })
})

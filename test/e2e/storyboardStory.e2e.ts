/**
 * The storyboard strip (issue 8) beyond "next shot": a frame's title, notes and duration are
 * edited in place, frames move with the keyboard as well as by drag, a frame switches to another
 * node of its lineage, a frame is removed — and a reload finds it all as it was left.
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

const dir = mkdtempSync(join(tmpdir(), 'kstudio-storyboard-'))
let browser: Browser
let server: StudioServer
let page: Page

const item = (name: string) => page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem', { name, exact: true })
const frames = () => page.getByRole('list', { name: 'Frames' }).locator('li.frame')
const titles = () => frames().evaluateAll((els) => els.map((e) => (e.querySelector('input.title') as HTMLInputElement).value))

async function addFrameOf(node: string): Promise<void> {
  const before = await frames().count()
  await item(node).click()
  await page.getByLabel('Add current node as a frame').click()
  await expect.poll(() => frames().count()).toBe(before + 1)
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'storyboard.kstudio')))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the storyboard strip', () => {
  it('edits a frame’s title, notes and duration in place', async () => {
    const scene = await navySceneWithRedCircle()
    // Dropped on the history, each photo is a new root (on the canvas it would become a layer).
    for (const name of ['one.png', 'two.png', 'three.png']) {
      await dropFiles(page, [{ name, type: 'image/png', bytes: scene }], '[aria-label="History"]')
      await item(`import: ${name}`).waitFor()
    }
    for (const name of ['one.png', 'two.png', 'three.png']) await addFrameOf(`import: ${name}`)
    await page.getByLabel('Title of frame 1').fill('Opening')
    await page.getByLabel('Title of frame 1').press('Tab')
    await page.getByRole('listitem', { name: 'Frame 1: Opening' }).waitFor()
    await page.getByLabel('Duration of frame 1 in seconds').fill('2.5')
    await page.getByLabel('Duration of frame 1 in seconds').press('Tab')
  })

  it('keeps half-typed notes while another window changes the storyboard', async () => {
    await page.getByLabel('Notes of frame 1').click()
    await page.keyboard.type('Slow push in on the product')
    // A second window renames another frame: this page re-renders every frame while the notes are unsaved.
    const other = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    try {
      await other.goto(server.url)
      await other.getByLabel('Title of frame 3').fill('Closing')
      await other.getByLabel('Title of frame 3').press('Tab')
      await page.getByRole('listitem', { name: 'Frame 3: Closing' }).waitFor()
    } finally {
      await other.close()
    }
    expect(await page.getByLabel('Notes of frame 1').inputValue()).toBe('Slow push in on the product')
    await page.keyboard.press('Tab')
    await expect.poll(() => page.getByLabel('Notes of frame 1').inputValue()).toBe('Slow push in on the product')
  })

  it('moves frames with the keyboard, one place at a time', async () => {
    const [, second, third] = await titles()
    expect(await page.getByLabel('Move frame 1 earlier').isDisabled()).toBe(true)
    expect(await page.getByLabel('Move frame 3 later').isDisabled()).toBe(true)
    await page.getByLabel('Move frame 3 earlier').focus()
    await page.keyboard.press('Enter')
    await expect.poll(titles).toEqual(['Opening', third, second])
    await page.getByLabel('Move frame 1 later').click()
    await expect.poll(titles).toEqual([third, 'Opening', second])
  })

  it('points a frame at another node of its lineage', async () => {
    await item('import: one.png').click()
    await page.getByLabel('Instruction', { exact: true }).fill('make the red circle blue')
    await page.getByLabel('Instruction', { exact: true }).press('Control+Enter')
    await expect.poll(() => item('edit: make the red circle blue').getAttribute('data-status'), { timeout: 60_000 }).toBe('done')
    const choice = page.getByLabel('Node shown by frame 2')
    // The frame of one.png offers its own tree only: the photo and its edit.
    const options = await choice.locator('option').evaluateAll((os) => os.map((o) => o.textContent?.trim()))
    expect(options).toHaveLength(2)
    const editId = await item('edit: make the red circle blue').getAttribute('data-node-id')
    await choice.selectOption(editId as string)
    await expect.poll(() => choice.inputValue()).toBe(editId)
    const editThumb = await item('edit: make the red circle blue').locator('img.thumb').getAttribute('src')
    await expect.poll(() => frames().nth(1).locator('img').first().getAttribute('src')).toBe(editThumb)
  })

  it('removes a frame, and a reload finds the storyboard as it was left', async () => {
    const before = await titles()
    await page.getByLabel('Remove frame 3').click()
    await expect.poll(titles).toEqual(before.slice(0, 2))
    await page.reload()
    await expect.poll(titles).toEqual(before.slice(0, 2))
    await page.getByRole('listitem', { name: 'Frame 2: Opening' }).waitFor()
    expect(await page.getByLabel('Notes of frame 2').inputValue()).toBe('Slow push in on the product')
    expect(await page.getByLabel('Duration of frame 2 in seconds').inputValue()).toBe('2.5')
    const editId = await item('edit: make the red circle blue').getAttribute('data-node-id')
    expect(await page.getByLabel('Node shown by frame 2').inputValue()).toBe(editId)
  })
})

/**
 * Issue 15, traps 1–3, as a new designer meets them: an instruction the model cannot read is
 * stopped at the bar (and a full stop is not a word); "New image" and Esc leave the selected node
 * for text-to-image; a cancelled node never blocks the bar; and a painted mask belongs to the one
 * edit it was painted for.
 */
import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPngText } from '../../engine/image/pngText'
import { dropFiles } from './support/browser'
import { canvasHelpers } from './support/canvasPage'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-modes-'))
let browser: Browser
let server: StudioServer
let page: Page
let c: ReturnType<typeof canvasHelpers>

const tree = () => page.getByRole('tree', { name: 'History tree' })
const item = (name: string) => tree().getByRole('treeitem', { name, exact: true })
const instruction = () => page.getByLabel('Instruction', { exact: true })
const generateButton = () => page.getByRole('button', { name: 'Generate' })
const nodeCount = () => tree().getByRole('treeitem').count()

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'modes.kstudio'), { viewport: { width: 1280, height: 800 } }))
  c = canvasHelpers(page)
  await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
  await item('import: hero.png').waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the prompt bar says what the next prompt will do', () => {
  it('stops an instruction the model cannot read before queuing it, and reads punctuation as the model does', async () => {
    const before = await nodeCount()
    await instruction().fill('make the shoe sparkly red')
    // The check needs the model's vocabulary, which arrives with the engine's description.
    await expect.poll(() => generateButton().isDisabled(), { timeout: 60_000 }).toBe(true)
    const why = page.getByRole('note', { name: 'Why Generate is unavailable' })
    await expect.poll(() => why.textContent()).toContain('does not know: shoe, sparkly')
    await instruction().press('Control+Enter')
    expect(await nodeCount()).toBe(before)
    expect(await page.getByRole('alert').count()).toBe(0)
    // A trailing full stop or "!!!" is punctuation, not an unknown word.
    await instruction().fill('Make the red circle blue!!!')
    await expect.poll(() => why.count()).toBe(0)
    expect(await generateButton().isEnabled()).toBe(true)
  })

  it('"New image" and Esc leave the selected node: the next prompt draws a new root image', async () => {
    await item('import: hero.png').click()
    expect(await generateButton().textContent()).toContain('Edit')
    await page.getByRole('button', { name: 'New image' }).click()
    expect(await generateButton().textContent()).toContain('Generate')
    await item('import: hero.png').click()
    expect(await generateButton().textContent()).toContain('Edit')
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('Escape')
    await expect.poll(() => generateButton().textContent()).toContain('Generate')
    await instruction().fill('a large red circle on navy')
    await page.getByLabel('Steps', { exact: true }).fill('2')
    await generateButton().click()
    const drawn = item('generate: a large red circle on navy')
    await drawn.waitFor()
    await expect.poll(async () => (await c.currentNode())?.status, { timeout: 90_000 }).toBe('done')
    expect((await c.currentNode())?.parentId).toBeNull()
  })

  it('a cancelled node does not block the bar: the edit starts from its parent, or the node is retried', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Steps', { exact: true }).fill('200')
    await page.getByLabel('Guidance', { exact: true }).fill('4')
    await instruction().fill('remove the red circle')
    await generateButton().click()
    const running = item('edit: remove the red circle')
    await expect.poll(() => running.getAttribute('data-status'), { timeout: 60_000 }).toBe('running')
    await page.getByRole('button', { name: 'Cancel this generation' }).click()
    await expect.poll(() => running.getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled')
    await running.click()
    const note = page.getByRole('note', { name: 'About the selected node' })
    await expect.poll(() => note.textContent()).toContain('was cancelled: this edit starts from its parent “hero.png”')
    expect(await note.getByRole('button', { name: 'Retry it' }).isVisible()).toBe(true)
    await page.getByLabel('Steps', { exact: true }).fill('2')
    await page.getByLabel('Guidance', { exact: true }).fill('1')
    await instruction().fill('make the red circle green')
    expect(await generateButton().isEnabled()).toBe(true)
    await generateButton().click()
    const edited = item('edit: make the red circle green')
    await edited.waitFor()
    await expect.poll(async () => (await c.currentNode())?.status, { timeout: 90_000 }).toBe('done')
    // Its parent is the import the cancelled node was an edit of, not the cancelled node.
    expect((await c.currentNode())?.parentId).toBe(await item('import: hero.png').getAttribute('data-node-id'))
  })

  it('a painted mask belongs to one edit: the next instruction on the same picture edits all of it', async () => {
    await item('import: hero.png').click()
    await page.getByRole('button', { name: 'Add mask layer' }).click()
    await page.getByLabel('Brush size').fill('8')
    await c.dragDoc([8, 44], [24, 52])
    const region = page.getByRole('note', { name: 'Painted region' })
    await expect.poll(() => region.count(), { timeout: 30_000 }).toBe(1)
    expect(await region.textContent()).toContain('Editing the painted region only')
    await page.getByLabel('Steps', { exact: true }).fill('2')
    const parentId = await item('import: hero.png').getAttribute('data-node-id')
    const first = await c.generate('change the background to white', parentId as string)
    expect(first.region).not.toBeNull()
    // Back on the parent, the region is gone from the bar and from the next edit.
    await item('import: hero.png').click()
    await expect.poll(() => region.count()).toBe(0)
    const second = await c.generate('change the background to black', parentId as string)
    expect(second.parentId).toBe(parentId)
    expect(second.region).toBeNull()
  })

  it('Clear drops a painted region before the edit; Keep carries it to the next one', async () => {
    await item('import: hero.png').click()
    await page.getByRole('button', { name: 'Add mask layer' }).click()
    await c.dragDoc([40, 8], [56, 16])
    const region = page.getByRole('note', { name: 'Painted region' })
    await expect.poll(() => region.count(), { timeout: 30_000 }).toBe(1)
    await region.getByRole('button', { name: 'Clear the painted region' }).click()
    await expect.poll(() => region.count()).toBe(0)
    // Showing the mask layer again brings the same region back; "Keep" holds it over one edit.
    await page.getByRole('button', { name: 'Show Mask 2', exact: true }).click()
    await expect.poll(() => region.count()).toBe(1)
    await region.getByLabel('Keep it for the next edit').check()
    const parentId = await item('import: hero.png').getAttribute('data-node-id')
    const kept = await c.generate('change the background to teal', parentId as string)
    expect(kept.region).not.toBeNull()
    await item('import: hero.png').click()
    await expect.poll(() => region.count()).toBe(1)
  })

  it('an exported picture carries its settings for other tools, and dropping it back offers to restore them', async () => {
    await item('import: hero.png').click()
    await page.getByLabel('Lock seed').check()
    await page.getByLabel('Seed', { exact: true }).fill('4242')
    await page.getByLabel('Guidance', { exact: true }).fill('1.5')
    const parentId = await item('import: hero.png').getAttribute('data-node-id')
    await c.generate('move the red circle to row two col three', parentId as string)
    await page.getByRole('button', { name: 'Export image' }).click()
    await page.getByLabel('Export format').selectOption('png')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save export' }).click()])
    const png = new Uint8Array(await readFile(await download.path()))
    expect(readPngText(png).parameters).toBe(
      'move the red circle to row two col three\nSteps: 4, Sampler: Euler, CFG scale: 1.5, Seed: 4242, Size: 64x64, Model: kontext-tiny',
    )
    // A fresh bar: other settings, then the picture comes back in.
    await page.getByLabel('Lock seed').uncheck()
    await page.getByLabel('Steps', { exact: true }).fill('9')
    await instruction().fill('')
    await page.getByRole('button', { name: 'New image' }).click()
    await dropFiles(page, [{ name: 'exported.png', type: 'image/png', bytes: png }])
    const offer = page.getByRole('note', { name: 'Settings found in the dropped picture' })
    await expect.poll(() => offer.textContent(), { timeout: 30_000 }).toContain('seed 4242')
    await offer.getByRole('button', { name: 'Use its instruction and settings' }).click()
    expect(await instruction().inputValue()).toBe('move the red circle to row two col three')
    expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toBe('4242')
    expect(await page.getByLabel('Lock seed').isChecked()).toBe(true)
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('4')
    expect(await page.getByLabel('Guidance', { exact: true }).inputValue()).toBe('1.5')
  })
})

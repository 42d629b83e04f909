/**
 * Issue 15, trap 5: a dropped picture larger than the document lands fitted inside it, centred on
 * the drop; a text layer has font, size, weight and alignment, and the canvas follows as you type.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { canvasHelpers } from './support/canvasPage'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-layers-'))
let browser: Browser
let server: StudioServer
let page: Page
let c: ReturnType<typeof canvasHelpers>

const solid = async (width: number, height: number, rgb: [number, number, number]) =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .png()
      .toBuffer(),
  )

/** The first Konva text node's attributes, as drawn. */
const textAttrs = () =>
  page.evaluate(() => {
    const stage = (window as unknown as { Konva: { stages: { find(sel: string): { getAttrs(): Record<string, unknown> }[] }[] } }).Konva
      .stages[0]
    const attrs = stage?.find('Text')[0]?.getAttrs() ?? {}
    return { text: attrs.text, fontSize: attrs.fontSize, fontStyle: attrs.fontStyle, fontFamily: attrs.fontFamily, align: attrs.align }
  })

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'layers.kstudio'), { viewport: { width: 1280, height: 800 } }))
  c = canvasHelpers(page)
  await dropFiles(page, [{ name: 'scene.png', type: 'image/png', bytes: await solid(64, 64, [20, 20, 120]) }])
  await page.getByRole('treeitem', { name: 'import: scene.png' }).waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('layers a designer can place and type', () => {
  it('fits a dropped picture larger than the document inside it, centred on the drop point', async () => {
    await c.dropOnCanvasAt(32, 32, [{ name: 'wide.png', type: 'image/png', bytes: await solid(128, 64, [230, 30, 30]) }])
    await page.getByRole('option', { name: 'Layer wide.png' }).waitFor()
    // 128×64 on a 64×64 picture: scaled to 64×32, rows 16–47; above and below, the scene shows.
    await expect.poll(() => c.colourAt(32, 32), { timeout: 30_000 }).toEqual([230, 30, 30])
    expect(await c.colourAt(32, 4)).toEqual([20, 20, 120])
    expect(await c.colourAt(32, 60)).toEqual([20, 20, 120])
    expect(await c.colourAt(1, 20)).toEqual([230, 30, 30])
    expect(await c.colourAt(62, 44)).toEqual([230, 30, 30])
  })

  it('types into a text layer and the canvas follows every keystroke; font, size, weight and alignment apply', async () => {
    await page.getByRole('button', { name: 'Add text layer' }).click()
    await page.getByRole('option', { name: 'Layer Text' }).click()
    const field = page.getByLabel('Text of Text')
    await field.fill('')
    await field.pressSequentially('SALE', { delay: 20 })
    // Still focused (no blur, no Enter): the canvas already shows it.
    await expect.poll(async () => (await textAttrs()).text, { timeout: 10_000 }).toBe('SALE')
    expect(await field.evaluate((el) => el === document.activeElement)).toBe(true)
    await page.getByLabel('Font of Text').selectOption('serif')
    await page.getByLabel('Font size of Text').fill('12')
    await page.getByLabel('Bold Text').click()
    await page.getByLabel('Alignment of Text').selectOption('center')
    await expect.poll(textAttrs).toEqual({ text: 'SALE', fontSize: 12, fontStyle: 'bold', fontFamily: 'serif', align: 'center' })
    // Kept with the project: a reload draws the same.
    await page.reload()
    await page.getByRole('treeitem', { name: 'import: scene.png' }).click()
    await expect
      .poll(textAttrs, { timeout: 30_000 })
      .toEqual({ text: 'SALE', fontSize: 12, fontStyle: 'bold', fontFamily: 'serif', align: 'center' })
  })
})

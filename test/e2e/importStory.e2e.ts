/**
 * Issue 2's story: a designer drops a photo onto the studio, sees it on the canvas and as the
 * first node of the history, reloads the page and restarts the studio, and finds it again; a file
 * that is not an image is refused with a message and adds nothing.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles, stagePixel } from './support/browser'
import { startStudioServer, type StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-e2e-'))
const projectPath = join(dir, 'designer.kstudio')
let browser: Browser
let server: StudioServer
let page: Page

async function canvasCentreColour(): Promise<number[]> {
  const size = await page.evaluate(() => {
    const konva = (window as unknown as { Konva: { stages: { width(): number; height(): number }[] } }).Konva
    const s = konva.stages[0]
    return s ? [s.width(), s.height()] : [0, 0]
  })
  return stagePixel(page, Math.floor((size[0] ?? 0) / 2), Math.floor((size[1] ?? 0) / 2))
}

async function waitForCanvasColour(rgb: number[]): Promise<void> {
  await expect.poll(async () => (await canvasCentreColour()).slice(0, 3), { timeout: 15_000 }).toEqual(rgb)
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(projectPath, { viewport: { width: 1280, height: 800 } }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('dropping a photo onto the studio', () => {
  it('shows it on the canvas and as the first import node of the history', async () => {
    const photo = new Uint8Array(
      await sharp({ create: { width: 120, height: 90, channels: 3, background: { r: 30, g: 110, b: 30 } } })
        .png()
        .toBuffer(),
    )
    await dropFiles(page, [{ name: 'product-shot.png', type: 'image/png', bytes: photo }])
    const item = page.getByRole('treeitem', { name: 'import: product-shot.png' })
    await item.waitFor()
    expect(await page.getByRole('treeitem').count()).toBe(1)
    await waitForCanvasColour([30, 110, 30])
  })

  it('refuses a file that is not an image with a message, and adds nothing', async () => {
    await dropFiles(page, [{ name: 'notes.txt', type: 'text/plain', bytes: new TextEncoder().encode('shopping list') }])
    const alert = page.getByRole('alert')
    await alert.waitFor()
    expect(await alert.textContent()).toContain('“notes.txt” is not an image')
    expect(await page.getByRole('treeitem').count()).toBe(1)
  })

  it('keeps the project, the node and the image across a reload and a restart', async () => {
    await page.reload()
    await page.getByRole('treeitem', { name: 'import: product-shot.png' }).waitFor()
    await server.stop()
    server = await startStudioServer(projectPath)
    await page.goto(server.url)
    await page.getByRole('treeitem', { name: 'import: product-shot.png' }).waitFor()
    expect(await page.getByRole('treeitem').count()).toBe(1)
    await waitForCanvasColour([30, 110, 30])
  })
})

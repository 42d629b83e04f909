/**
 * Dropping several files at once (issue 7): on an empty project each image becomes a root node; on
 * a shown picture each becomes a layer. Whatever is not an image — or is a damaged one — is refused,
 * and nothing of it remains, while the good files of the same drop land. The refusals of one drop
 * are one message naming every file (issue 11: seven bad files made five toasts, two names lost).
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-drop-'))
let browser: Browser
let server: StudioServer
let page: Page

const rows = () => page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem')
const layerRows = () => page.getByRole('listbox', { name: 'Layer stack' }).getByRole('option')
const alerts = () => page.getByRole('alert').evaluateAll((els) => els.map((e) => e.textContent ?? ''))
const notAnImage = { name: 'notes.txt', type: 'text/plain', bytes: new TextEncoder().encode('shopping list') }
const sevenBad = Array.from({ length: 7 }, (_, i) => ({
  name: `notes-${i + 1}.txt`,
  type: 'text/plain',
  bytes: new TextEncoder().encode(`shopping list ${i + 1}`),
}))

async function png(width: number, height: number, alpha: number): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp({ create: { width, height, channels: 4, background: { r: 200, g: 40, b: 40, alpha } } })
      .png()
      .toBuffer(),
  )
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'drop.kstudio')))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('dropping several files at once', () => {
  it('on an empty project: every image becomes a root node, seven text files are refused in one message naming each', async () => {
    const jpeg = new Uint8Array(
      await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 90, b: 200 } } })
        .jpeg()
        .toBuffer(),
    )
    await dropFiles(page, [
      { name: 'bottle.png', type: 'image/png', bytes: await png(64, 48, 1) },
      ...sevenBad,
      { name: 'label.jpg', type: 'image/jpeg', bytes: jpeg },
    ])
    await page.getByRole('treeitem', { name: 'import: label.jpg' }).waitFor()
    expect(await rows().evaluateAll((els) => els.map((e) => [e.getAttribute('aria-label'), (e as HTMLElement).style.paddingLeft]))).toEqual(
      [
        ['import: bottle.png', '8px'],
        ['import: label.jpg', '8px'],
      ],
    )
    await expect.poll(alerts).toHaveLength(1)
    const [message] = await alerts()
    for (const bad of sevenBad) expect(message).toContain(bad.name)
    await page.getByRole('alert').getByRole('button', { name: 'Dismiss message' }).click()
  })

  it('on a shown picture: images become layers (alpha kept), a damaged PNG and a text file are refused', async () => {
    const good = await png(32, 32, 0.5)
    const truncated = (await png(64, 64, 1)).subarray(0, 40)
    await dropFiles(page, [
      { name: 'sticker.png', type: 'image/png', bytes: good },
      { name: 'broken.png', type: 'image/png', bytes: truncated },
      notAnImage,
    ])
    await expect.poll(() => layerRows().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(['Layer sticker.png'])
    await expect.poll(alerts).toEqual([expect.stringMatching(/broken\.png[\s\S]*notes\.txt/)])
    // Layers are not history nodes: the tree is as it was.
    expect(await rows().count()).toBe(2)
    // The layer's picture keeps its transparency: half-transparent red over the node's image.
    const alpha = await page.evaluate(async () => {
      type Img = { image(): HTMLImageElement | undefined; name(): string }
      const stage = (window as unknown as { Konva: { stages: { find(sel: string): Img[] }[] } }).Konva.stages[0]
      const img = stage?.find('.doc-layer')[0]?.image()
      if (!img) return null
      await img.decode()
      const c = document.createElement('canvas')
      c.width = img.naturalWidth
      c.height = img.naturalHeight
      const ctx = c.getContext('2d') as CanvasRenderingContext2D
      ctx.drawImage(img, 0, 0)
      return ctx.getImageData(16, 16, 1, 1).data[3]
    })
    expect(alpha).toBeGreaterThan(100)
    expect(alpha).toBeLessThan(155)
  })
})

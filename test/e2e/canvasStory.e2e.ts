/**
 * Issue 7's story: a designer drops a scene, drops two product shots onto it as layers (one with
 * transparency), moves and scales one, hides the other, undoes and redoes, generates from the
 * composition — and the new node's context is exactly that composite. Then they paint a region,
 * generate again, and every pixel outside the region is the parent's; compare shows the drift.
 */
import { mkdtempSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { readPngText } from '../../engine/image/pngText'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { canvasHelpers, rawRgba, type NodeView } from './support/canvasPage'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-canvas-'))
let browser: Browser
let server: StudioServer
let page: Page
let c: ReturnType<typeof canvasHelpers>
const SCENE = [40, 90, 200]
const RED = [220, 30, 30]
const GREEN = [20, 200, 60]

/** A 64×64 scene with a gentle gradient, so "unchanged" means every pixel, not one flat colour. */
async function scenePng(): Promise<Uint8Array> {
  const raw = Buffer.alloc(64 * 64 * 3)
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++)
      raw.set([SCENE[0] as number, (SCENE[1] as number) + (x >> 3), (SCENE[2] as number) + (y >> 3)], (y * 64 + x) * 3)
  return new Uint8Array(
    await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer(),
  )
}

/** A 16×16 green disc on a transparent square: the corners must show the scene through. */
async function discPng(): Promise<Uint8Array> {
  const raw = Buffer.alloc(16 * 16 * 4)
  for (let y = 0; y < 16; y++)
    for (let x = 0; x < 16; x++) if ((x - 7.5) ** 2 + (y - 7.5) ** 2 < 36) raw.set([...GREEN, 255], (y * 16 + x) * 4)
  return new Uint8Array(
    await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } })
      .png()
      .toBuffer(),
  )
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'canvas.kstudio'), { viewport: { width: 1280, height: 800 } }))
  c = canvasHelpers(page)
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('composing on the canvas and editing the composition', () => {
  let scene: NodeView
  let composed: NodeView

  it('makes a root node from a scene dropped on an empty project', async () => {
    await dropFiles(page, [{ name: 'scene.png', type: 'image/png', bytes: await scenePng() }])
    await page.getByRole('treeitem', { name: /scene\.png/ }).waitFor()
    await expect.poll(async () => (await c.currentNode())?.resultBlob ?? null).not.toBeNull()
    scene = (await c.currentNode()) as NodeView
    expect(scene.parentId).toBeNull()
    await expect.poll(() => c.colourAt(2, 2)).toEqual([SCENE[0], SCENE[1], SCENE[2]])
  })

  it('adds two dropped images as layers at the drop points, keeping alpha, and no new nodes', async () => {
    const red = new Uint8Array(
      await sharp({
        create: { width: 16, height: 16, channels: 3, background: { r: RED[0] as number, g: RED[1] as number, b: RED[2] as number } },
      })
        .png()
        .toBuffer(),
    )
    await c.dropOnCanvasAt(16, 16, [{ name: 'red.png', type: 'image/png', bytes: red }])
    await page.getByRole('option', { name: 'Layer red.png' }).waitFor()
    await c.dropOnCanvasAt(48, 48, [{ name: 'disc.png', type: 'image/png', bytes: await discPng() }])
    await page.getByRole('option', { name: 'Layer disc.png' }).waitFor()
    expect(await page.getByRole('treeitem').count()).toBe(1)
    await expect.poll(() => c.colourAt(16, 16)).toEqual(RED)
    await expect.poll(() => c.colourAt(48, 48)).toEqual(GREEN)
    // The disc's transparent corner shows the scene under it (two pixels in from the corner, clear of
    // the selection frame the transformer draws on the layer's edge).
    expect(await c.colourAt(42, 42)).toEqual([SCENE[0], (SCENE[1] as number) + 5, (SCENE[2] as number) + 5])
  })

  it('moves and scales one layer, hides the other, and undoes and redoes those edits', async () => {
    await page.getByRole('radio', { name: 'Move tool (V)' }).click()
    await c.dragDoc([16, 16], [26, 20])
    await expect.poll(() => c.colourAt(32, 24)).toEqual(RED)
    expect(await c.colourAt(12, 12)).not.toEqual(RED)
    // Scale with the transformer's bottom-right handle: the 16 px square grows to 24 px.
    await c.dragDoc([34, 28], [42, 36])
    await expect.poll(() => c.colourAt(40, 34)).toEqual(RED)
    await page.getByRole('button', { name: 'Hide disc.png' }).click()
    await expect.poll(() => c.colourAt(50, 50)).not.toEqual(GREEN)

    await page.keyboard.press('Control+z')
    await expect.poll(() => c.colourAt(50, 50)).toEqual(GREEN)
    await page.keyboard.press('Control+z')
    await expect.poll(() => c.colourAt(40, 34)).not.toEqual(RED)
    expect(await c.colourAt(30, 22)).toEqual(RED)
    await page.keyboard.press('Control+Shift+z')
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => c.colourAt(50, 50)).not.toEqual(GREEN)
    expect(await c.colourAt(40, 34)).toEqual(RED)
  })

  it('pans with space-drag and the middle button, zooms with keys, and none of it is an undo step', async () => {
    const view = (): Promise<number[]> =>
      page.evaluate(() => {
        const s = (window as unknown as { Konva: { stages: { x(): number; y(): number; scaleX(): number }[] } }).Konva.stages[0]
        return s ? [s.x(), s.y(), s.scaleX()] : []
      })
    const redAt = await c.colourAt(40, 34)
    const start = await view()
    const [px, py] = await c.docToPage(40, 34)
    // Space belongs to a focused button (it presses it); with focus on the page it pans.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.down('Space')
    await page.mouse.move(px, py)
    await page.mouse.down()
    await page.mouse.move(px + 30, py + 20, { steps: 4 })
    await page.mouse.up()
    await page.keyboard.up('Space')
    const panned = await view()
    expect([(panned[0] as number) - (start[0] as number), (panned[1] as number) - (start[1] as number)]).toEqual([30, 20])
    // The layer under the pointer stayed where it was in the document.
    expect(await c.colourAt(40, 34)).toEqual(redAt)
    await page.mouse.move(px, py)
    await page.mouse.down({ button: 'middle' })
    await page.mouse.move(px - 30, py - 20, { steps: 4 })
    await page.mouse.up({ button: 'middle' })
    expect((await view()).slice(0, 2)).toEqual(start.slice(0, 2))
    await page.keyboard.press('1')
    expect((await view())[2]).toBe(1)
    await page.keyboard.press('+')
    expect((await view())[2]).toBeCloseTo(1.25)
    await page.keyboard.press('f')
    expect(await view()).toEqual(start)
    // Undo still steps back through layer edits only: the hide comes back first.
    await page.keyboard.press('Control+z')
    await expect.poll(() => c.colourAt(50, 50)).toEqual(GREEN)
    expect(await view()).toEqual(start)
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => c.colourAt(50, 50)).not.toEqual(GREEN)
  })

  it('reorders layers by dragging a row in the layer panel, as one undo step', async () => {
    const order = (): Promise<(string | null)[]> =>
      page
        .getByRole('listbox', { name: 'Layer stack' })
        .getByRole('option')
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))
    expect(await order()).toEqual(['Layer disc.png', 'Layer red.png'])
    // Grab the row by its name: the selected row also holds an opacity slider.
    await page
      .getByRole('option', { name: 'Layer red.png' })
      .getByText('red.png', { exact: true })
      .dragTo(page.getByRole('option', { name: 'Layer disc.png' }))
    await expect.poll(order).toEqual(['Layer red.png', 'Layer disc.png'])
    await page.keyboard.press('Control+z')
    await expect.poll(order).toEqual(['Layer disc.png', 'Layer red.png'])
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(order).toEqual(['Layer red.png', 'Layer disc.png'])
    // The same without a mouse: the selected row's Lower and Raise buttons.
    await page.getByRole('button', { name: 'Move red.png down' }).click()
    await expect.poll(order).toEqual(['Layer disc.png', 'Layer red.png'])
    await page.getByRole('button', { name: 'Move red.png up' }).click()
    await expect.poll(order).toEqual(['Layer red.png', 'Layer disc.png'])
  })

  it('exports the node’s image at half size as WebP, and the composition as a PNG', async () => {
    const save = async (): Promise<Buffer> => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save export' }).click()])
      return readFile(await download.path())
    }
    await page.getByRole('button', { name: 'Export image' }).click()
    await page.getByLabel('Export format').selectOption('webp')
    await page.getByLabel('Export size').selectOption('0.5')
    const webp = await sharp(await save()).metadata()
    expect([webp.format, webp.width, webp.height]).toEqual(['webp', 32, 32])
    await page.getByRole('button', { name: 'Export image' }).click()
    await page.getByLabel('Export what').selectOption('composition')
    const saved = new Uint8Array(await save())
    const composition = await rawRgba(saved)
    expect([composition.width, composition.height]).toEqual([64, 64])
    // Saved with its lineage, like a node export.
    expect(readPngText(saved).composition).toContain(scene.id)
    expect(Array.from(composition.data.subarray((34 * 64 + 40) * 4, (34 * 64 + 40) * 4 + 3))).toEqual(RED)
  })

  it('generates from the composite: the new node’s context is exactly the flattened picture', async () => {
    composed = await c.generate('change the background to white', scene.id)
    expect(composed.parentId).toBe(scene.id)
    const sent = await page.evaluate(() =>
      (window as unknown as { __kontextCanvas: { lastComposite(): number[] | null } }).__kontextCanvas.lastComposite(),
    )
    expect(sent).not.toBeNull()
    const flattened = await rawRgba(new Uint8Array(sent as number[]))
    const context = await c.blobPixels(composed.contextBlobs[0] as string)
    expect([context.width, context.height]).toEqual([64, 64])
    expect(context.data.equals(flattened.data)).toBe(true)
    // And it is the composition the user saw: the scaled red layer in, the hidden disc out.
    const at = (x: number, y: number): number[] => Array.from(context.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3))
    expect(at(40, 34)).toEqual(RED)
    expect(at(50, 50)).toEqual([SCENE[0], (SCENE[1] as number) + 6, (SCENE[2] as number) + 6])
  })

  it('edits only a painted region: every pixel outside it is the parent’s', async () => {
    await page.getByRole('button', { name: 'Add mask layer' }).click()
    await page.getByLabel('Brush size').fill('8')
    const before = await c.colourAt(16, 48)
    await c.dragDoc([8, 44], [24, 52])
    await expect.poll(() => c.colourAt(16, 48)).not.toEqual(before)
    const painted = await c.colourAt(16, 48)
    // A stroke is one undo step (the brush size field had focus; shortcuts wait for the canvas).
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
    await page.keyboard.press('Control+z')
    await expect.poll(() => c.colourAt(16, 48)).toEqual(before)
    await page.keyboard.press('Control+Shift+z')
    await expect.poll(() => c.colourAt(16, 48)).toEqual(painted)
    const edited = await c.generate('change the background to white', composed.id)
    expect(edited.parentId).toBe(composed.id)
    expect(edited.region).not.toBeNull()
    expect(edited.contextBlobs[0]).toBe(composed.resultBlob)

    const parent = await c.blobPixels(composed.resultBlob as string)
    const result = await c.blobPixels(edited.resultBlob as string)
    const mask = await c.blobPixels((edited.region as { maskBlob: string }).maskBlob)
    expect([result.width, result.height]).toEqual([parent.width, parent.height])
    let outside = 0
    let inside = 0
    let mismatched = 0
    for (let i = 0; i < 64 * 64; i++) {
      const m = mask.data.subarray(i * 4, i * 4 + 4)
      const editable = (m[3] as number) > 127 && ((m[0] as number) + (m[1] as number) + (m[2] as number)) / 3 > 127
      if (editable) {
        inside++
        continue
      }
      outside++
      if (!result.data.subarray(i * 4, i * 4 + 4).equals(parent.data.subarray(i * 4, i * 4 + 4))) mismatched++
    }
    // The stroke covered a band around (8..24, 44..52), not the whole picture.
    expect(inside).toBeGreaterThan(100)
    expect(outside).toBeGreaterThan(2500)
    expect(mismatched).toBe(0)
  })

  it('compares the node with its parent and reads the drift', async () => {
    await page.getByRole('button', { name: 'Compare (C)' }).click()
    const dialog = page.getByRole('dialog', { name: 'Compare' })
    await dialog.waitFor()
    const drift = dialog.getByRole('status', { name: 'Drift of B' })
    await drift.waitFor()
    const value = Number(/Δ (\d+\.\d+)/.exec((await drift.textContent()) ?? '')?.[1])
    expect(value).toBeGreaterThanOrEqual(0)
    expect(value).toBeLessThanOrEqual(1)
    // The history shows the same measure as a badge on each node that has a parent.
    await expect
      .poll(() =>
        page
          .getByRole('treeitem')
          .getByLabel(/^Drift from parent \d\.\d\d$/)
          .count(),
      )
      .toBe(2)
    for (const mode of ['side by side', 'flip', 'difference']) await dialog.getByRole('radio', { name: mode }).click()
    await dialog.getByRole('img', { name: 'Difference heatmap' }).waitFor()
    await dialog.getByRole('button', { name: 'Close compare' }).click()
    await expect.poll(() => dialog.count()).toBe(0)
  })

  it('imports a photo dropped on the history panel as a new node, not a layer', async () => {
    const box = await page.getByRole('tree', { name: 'History tree' }).boundingBox()
    const photo = new Uint8Array(
      await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 200, g: 200, b: 0 } } })
        .png()
        .toBuffer(),
    )
    // A node is on the canvas, so the same drop on the canvas would have made a layer.
    expect((await c.currentNode())?.resultBlob).toBeTruthy()
    await page.evaluate(
      ({ b64, x, y }) => {
        const dt = new DataTransfer()
        dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'second.png', { type: 'image/png' }))
        const target = document.elementFromPoint(x, y) ?? document.body
        for (const type of ['dragenter', 'dragover', 'drop'])
          target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: x, clientY: y }))
      },
      { b64: Buffer.from(photo).toString('base64'), x: (box?.x ?? 0) + 40, y: (box?.y ?? 0) + (box?.height ?? 0) - 20 },
    )
    await page.getByRole('treeitem', { name: /second\.png/ }).waitFor()
    const now = (await c.currentNode()) as NodeView
    expect(now.parentId).toBeNull()
    expect(now.contextBlobs).toEqual([])
  })

  it('fills a lassoed outline on a mask layer, as one undo step', async () => {
    await page.getByRole('button', { name: 'Add mask layer' }).click()
    await page.keyboard.press('l')
    expect(await page.getByRole('radio', { name: 'Lasso tool (L)' }).getAttribute('aria-checked')).toBe('true')
    const inside = await c.colourAt(16, 12)
    const outside = await c.colourAt(2, 30)
    const corners: [number, number][] = [
      [4, 4],
      [28, 4],
      [16, 28],
    ]
    await page.mouse.move(...(await c.docToPage(...corners[0]!)))
    await page.mouse.down()
    for (const corner of [...corners.slice(1), corners[0]!]) await page.mouse.move(...(await c.docToPage(...corner)), { steps: 6 })
    await page.mouse.up()
    await expect.poll(() => c.colourAt(16, 12)).not.toEqual(inside)
    expect(await c.colourAt(2, 30)).toEqual(outside)
    await page.keyboard.press('Control+z')
    await expect.poll(() => c.colourAt(16, 12)).toEqual(inside)
  })

  it('pastes an image from the clipboard as a layer centred on the picture', async () => {
    const nodes = await page.getByRole('treeitem').count()
    const tile = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 250, g: 250, b: 250 } } })
        .png()
        .toBuffer(),
    )
    await page.evaluate((b64) => {
      const dt = new DataTransfer()
      dt.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], 'clip.png', { type: 'image/png' }))
      document.body.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }))
    }, Buffer.from(tile).toString('base64'))
    await page.getByRole('option', { name: 'Layer clip.png' }).waitFor()
    await expect.poll(() => c.colourAt(16, 16)).toEqual([250, 250, 250])
    expect(await page.getByRole('treeitem').count()).toBe(nodes)
  })
})

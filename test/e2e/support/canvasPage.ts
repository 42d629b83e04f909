/**
 * Canvas helpers for end-to-end stories: document pixels ↔ page pixels through the stage's zoom
 * and pan, drops with a position, drags in document space, the rendered colour at a document
 * pixel, blob pixels fetched from the page, and "generate and wait".
 */
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { expect } from 'vitest'
import { stagePixel } from './browser'

export interface NodeView {
  id: string
  parentId: string | null
  status: string
  resultBlob: string | null
  contextBlobs: string[]
  region: { maskBlob: string } | null
}

export interface Pixels {
  readonly data: Buffer
  readonly width: number
  readonly height: number
}

/** Decodes an image to RGBA bytes. */
export async function rawRgba(png: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return { data, width: info.width, height: info.height }
}

export function canvasHelpers(page: Page) {
  /** Document pixel → page pixel through the stage's current zoom and pan. */
  async function docToPage(x: number, y: number): Promise<[number, number]> {
    return page.evaluate(
      ([dx, dy]) => {
        const s = (window as unknown as { Konva: { stages: { container(): HTMLElement; x(): number; y(): number; scaleX(): number }[] } })
          .Konva.stages[0]
        if (!s) return [0, 0] as [number, number]
        const r = s.container().getBoundingClientRect()
        return [r.left + s.x() + (dx as number) * s.scaleX(), r.top + s.y() + (dy as number) * s.scaleX()] as [number, number]
      },
      [x, y],
    )
  }

  /** The rendered colour at a document pixel (scene layer only, handles excluded when sampled inside). */
  async function colourAt(x: number, y: number): Promise<number[]> {
    const [px, py] = await docToPage(x, y)
    const box = await page.getByTestId('canvas-stage').boundingBox()
    return (await stagePixel(page, Math.round(px - (box?.x ?? 0)), Math.round(py - (box?.y ?? 0)))).slice(0, 3)
  }

  /** Drops files on the canvas at a document point, as the OS does (a drop carries its position). */
  async function dropOnCanvasAt(x: number, y: number, files: { name: string; type: string; bytes: Uint8Array }[]): Promise<void> {
    const [cx, cy] = await docToPage(x, y)
    await page.evaluate(
      ({ list, cx: px, cy: py }) => {
        const dt = new DataTransfer()
        for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
        const target = document.elementFromPoint(px, py) ?? document.body
        const init = { dataTransfer: dt, bubbles: true, cancelable: true, clientX: px, clientY: py }
        target.dispatchEvent(new DragEvent('dragenter', init))
        target.dispatchEvent(new DragEvent('dragover', init))
        target.dispatchEvent(new DragEvent('drop', init))
      },
      { list: files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString('base64') })), cx, cy },
    )
  }

  async function dragDoc(from: [number, number], to: [number, number]): Promise<void> {
    const a = await docToPage(...from)
    const b = await docToPage(...to)
    await page.mouse.move(...a)
    await page.mouse.down()
    await page.mouse.move(...b, { steps: 8 })
    await page.mouse.up()
  }

  const currentNode = (): Promise<NodeView | null> =>
    page.evaluate(() => (window as unknown as { __kontextCanvas: { currentNode(): NodeView | null } }).__kontextCanvas.currentNode())

  async function blobPixels(hash: string): Promise<Pixels> {
    const bytes = await page.evaluate(async (h) => Array.from(new Uint8Array(await (await fetch(`blob/${h}`)).arrayBuffer())), hash)
    return rawRgba(new Uint8Array(bytes))
  }

  /** Generates with the instruction and waits for the new node to finish; returns it. */
  async function generate(instruction: string, previous: string): Promise<NodeView> {
    await page.getByLabel('Instruction', { exact: true }).fill(instruction)
    await page.getByLabel('Steps', { exact: true }).fill('4')
    await page.getByRole('button', { name: 'Generate' }).click()
    await expect.poll(async () => (await currentNode())?.id !== previous, { timeout: 30_000 }).toBe(true)
    await expect.poll(async () => (await currentNode())?.status, { timeout: 90_000 }).toBe('done')
    return (await currentNode()) as NodeView
  }

  return { docToPage, colourAt, dropOnCanvasAt, dragDoc, currentNode, blobPixels, generate }
}

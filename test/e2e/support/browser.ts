/** Debian's Chromium driven by playwright-core (no browser download). */
import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: run \`apt-get install chromium\` (or set CHROMIUM_PATH) — the end-to-end tests drive the real UI in it.`,
    )
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
}

/** Drops files onto the window with a real `drop` event carrying a DataTransfer, as the OS would. */
export async function dropFiles(
  page: Page,
  files: readonly { name: string; type: string; bytes: Uint8Array }[],
  targetSelector = '[aria-label="Canvas"]',
): Promise<void> {
  await page.evaluate(
    ([list, selector]) => {
      const dt = new DataTransfer()
      for (const f of list) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }))
      const target = document.querySelector(selector) ?? document.body
      target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }))
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }))
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }))
    },
    [files.map((f) => ({ name: f.name, type: f.type, b64: Buffer.from(f.bytes).toString('base64') })), targetSelector] as const,
  )
}

/** The RGBA of one pixel of the Konva stage's scene, at stage coordinates. */
export async function stagePixel(page: Page, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([px, py]) => {
      const konva = (window as unknown as { Konva: { stages: { toCanvas(): HTMLCanvasElement }[] } }).Konva
      const stage = konva.stages[0]
      if (!stage) return []
      const canvas = stage.toCanvas()
      return Array.from(canvas.getContext('2d')?.getImageData(px as number, py as number, 1, 1).data ?? [])
    },
    [x, y],
  )
}

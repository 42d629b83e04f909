/**
 * Canvas figures in Chromium (issue 7): frame times while panning and zooming a scene with 30
 * image layers of 1024², the cost of one full redraw, and the time to switch between nodes (the
 * first visit decodes the pictures; later visits find them cached). Gestures go through the real
 * handlers: pointer events on the stage's element for a middle-button pan, wheel events for zoom.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser } from '../../test/e2e/support/browser'
import { startStudioServer } from '../../test/e2e/support/studioServer'
import { PLAIN, SCENE, writeCanvasProject } from './canvasProject'

export interface CanvasFigures {
  readonly layers: number
  readonly panFrames: FrameStats
  readonly zoomFrames: FrameStats
  readonly redrawMedianMs: number
  /** From navigation to the scene and all its layer pictures on the stage. */
  readonly openSceneMs: number
  readonly firstSwitchToPlainMs: number
  readonly switchMedianMs: number
}
export interface FrameStats {
  readonly medianMs: number
  readonly p95Ms: number
  /** Intervals over 1.5 frame budgets: a vsync the page missed. */
  readonly missed: number
  readonly frames: number
}

const FRAME_BUDGET_MS = 1000 / 60

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}
const stats = (frames: readonly number[]): FrameStats => ({
  medianMs: quantile(frames, 0.5),
  p95Ms: quantile(frames, 0.95),
  missed: frames.filter((f) => f > 1.5 * FRAME_BUDGET_MS).length,
  frames: frames.length,
})

/** Waits until the stage shows a picture `width` wide under `layerCount` decoded layer pictures. */
async function waitForScene(page: Page, width: number, layerCount: number): Promise<void> {
  await page.waitForFunction(
    ({ width, count }) => {
      type Img = { image(): HTMLImageElement | undefined }
      const konva = (window as unknown as { Konva?: { stages: { find(sel: string): Img[] }[] } }).Konva
      const stage = konva?.stages[0]
      if (!stage) return false
      const layers = stage.find('.doc-layer')
      const picture = stage.find('.node-image')[0]?.image()
      return layers.length === count && layers.every((l) => l.image()?.complete) && !!picture?.complete && picture.naturalWidth === width
    },
    { width, count: layerCount },
    { timeout: 120_000 },
  )
}

/** One gesture event per animation frame for `frames` frames; returns the frame intervals. */
async function gestureFrames(page: Page, kind: 'pan' | 'zoom', frames: number): Promise<number[]> {
  return page.evaluate(
    async ({ kind, frames }) => {
      const el = document.querySelector('[data-testid="canvas-stage"]') as HTMLElement
      const box = el.getBoundingClientRect()
      const cx = box.left + box.width / 2
      const cy = box.top + box.height / 2
      const nextFrame = () => new Promise<number>((r) => requestAnimationFrame(r))
      const times: number[] = []
      if (kind === 'pan')
        el.dispatchEvent(new PointerEvent('pointerdown', { button: 1, buttons: 4, clientX: cx, clientY: cy, bubbles: true }))
      let last = await nextFrame()
      for (let i = 0; i < frames; i++) {
        if (kind === 'pan') {
          // A slow circle, so the whole scene passes through the view.
          const a = (i / frames) * 2 * Math.PI
          window.dispatchEvent(
            new PointerEvent('pointermove', { buttons: 4, clientX: cx + 300 * Math.cos(a), clientY: cy + 200 * Math.sin(a) }),
          )
        } else {
          const target = el.querySelector('canvas') ?? el
          // In then out, around points spread over the view.
          const deltaY = i < frames / 2 ? -60 : 60
          target.dispatchEvent(
            new WheelEvent('wheel', {
              deltaY,
              clientX: cx + ((i * 37) % 200) - 100,
              clientY: cy + ((i * 53) % 160) - 80,
              bubbles: true,
              cancelable: true,
            }),
          )
        }
        const now = await nextFrame()
        times.push(now - last)
        last = now
      }
      if (kind === 'pan') window.dispatchEvent(new PointerEvent('pointerup', { button: 1 }))
      return times
    },
    { kind, frames },
  )
}

/** The median time of a full synchronous redraw of the stage (what every frame of a gesture pays). */
async function redrawMedian(page: Page, runs: number): Promise<number> {
  return page.evaluate((n) => {
    const stage = (window as unknown as { Konva: { stages: { draw(): void }[] } }).Konva.stages[0]
    const times: number[] = []
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      stage?.draw()
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    return times[Math.floor(n / 2)] ?? NaN
  }, runs)
}

/** Clicks a history row and times until its picture and `layerCount` layers are on the stage. */
async function switchTo(page: Page, rowName: string, width: number, layerCount: number): Promise<number> {
  const start = await page.evaluate((name) => {
    const t = performance.now()
    ;(document.querySelector(`[role="treeitem"][aria-label="${name}"]`) as HTMLElement).click()
    return t
  }, rowName)
  await waitForScene(page, width, layerCount)
  // One more frame: the figure includes drawing what was loaded.
  return page.evaluate((t) => new Promise<number>((r) => requestAnimationFrame(() => r(performance.now() - t))), start)
}

export async function measureCanvas(layerCount: number): Promise<CanvasFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'kstudio-bench-canvas-'))
  const project = join(dir, 'canvas.kstudio')
  await writeCanvasProject(project, layerCount)
  const server = await startStudioServer(project)
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, deviceScaleFactor: 1 })
    // tsx keeps function names with an `__name(...)` helper that the page lacks; in-page code needs it.
    await page.addInitScript('window.__name = (f) => f')
    const opening = Date.now()
    await page.goto(server.url)
    await waitForScene(page, SCENE.width, layerCount)
    const openSceneMs = Date.now() - opening
    const panFrames = stats(await gestureFrames(page, 'pan', 180))
    const zoomFrames = stats(await gestureFrames(page, 'zoom', 120))
    const redrawMedianMs = await redrawMedian(page, 30)
    const firstSwitchToPlainMs = await switchTo(page, 'import: plain.png', PLAIN.width, 0)
    const switches = [await switchTo(page, 'import: scene.png', SCENE.width, layerCount)]
    for (let i = 0; i < 4; i++) {
      switches.push(await switchTo(page, 'import: plain.png', PLAIN.width, 0))
      switches.push(await switchTo(page, 'import: scene.png', SCENE.width, layerCount))
    }
    return {
      layers: layerCount,
      panFrames,
      zoomFrames,
      redrawMedianMs,
      openSceneMs,
      firstSwitchToPlainMs,
      switchMedianMs: quantile(switches, 0.5),
    }
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

export function printCanvas(figures: readonly CanvasFigures[]): void {
  const f1 = (x: number) => x.toFixed(1)
  console.log(
    '| layers | pan frame median / p95 (ms) | pan frames missed | zoom frame median / p95 (ms) | zoom frames missed | full redraw median (ms) |',
  )
  console.log('|---:|---:|---:|---:|---:|---:|')
  for (const f of figures) {
    console.log(
      `| ${f.layers} | ${f1(f.panFrames.medianMs)} / ${f1(f.panFrames.p95Ms)} | ${f.panFrames.missed} of ${f.panFrames.frames} | ${f1(f.zoomFrames.medianMs)} / ${f1(f.zoomFrames.p95Ms)} | ${f.zoomFrames.missed} of ${f.zoomFrames.frames} | ${f1(f.redrawMedianMs)} |`,
    )
  }
  console.log(
    '\n| layers | open the studio on the scene, pictures decoded (ms) | first switch to a plain node (ms) | switch between the two, median of 9 (ms) |',
  )
  console.log('|---:|---:|---:|---:|')
  for (const f of figures)
    console.log(`| ${f.layers} | ${f.openSceneMs} | ${Math.round(f.firstSwitchToPlainMs)} | ${Math.round(f.switchMedianMs)} |`)
  console.log(
    '\n60 fps = 16.7 ms a frame; a missed frame is an interval over 25 ms. Headless Chromium with --disable-gpu draws in software, on a machine shared with other work: figures on a desktop GPU compositor are better.',
  )
}

async function main(): Promise<void> {
  printCanvas([await measureCanvas(0), await measureCanvas(30)])
}

if (import.meta.url === `file://${process.argv[1]}`) await main()

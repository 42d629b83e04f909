/**
 * History panel figures in Chromium: time to show a project's history, and frame times while
 * scrolling it — for 1,000 nodes, against a 20-node project measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { launchBrowser } from '../../test/e2e/support/browser'
import { startStudioServer } from '../../test/e2e/support/studioServer'
import { writeHistoryProject } from './historyProject'

export interface HistoryFigures {
  readonly nodes: number
  readonly firstRenderMs: number
  readonly scrollFrameMedianMs: number
  readonly scrollFrameP95Ms: number
  readonly graphRenderMs: number
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN
}

/** Scrolls an element in steps, one per animation frame, and returns the frame intervals. */
async function scrollFrames(page: Page, selector: string): Promise<number[]> {
  return page.evaluate(async (sel) => {
    const el = document.querySelector(sel) as HTMLElement
    const times: number[] = []
    let last = performance.now()
    for (let i = 0; i < 120; i++) {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * (i / 119)
      await new Promise((r) => requestAnimationFrame(() => r(null)))
      const now = performance.now()
      times.push(now - last)
      last = now
    }
    return times
  }, selector)
}

export async function measureHistory(nodeCount: number): Promise<HistoryFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'kstudio-bench-history-'))
  const project = join(dir, 'bench.kstudio')
  await writeHistoryProject(project, nodeCount)
  const server = await startStudioServer(project)
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const start = Date.now()
    await page.goto(server.url)
    await page.getByRole('treeitem').first().waitFor()
    const firstRenderMs = Date.now() - start
    const frames = await scrollFrames(page, '[aria-label="History tree"]')
    const graphStart = Date.now()
    await page.getByLabel('Show history as a graph').click()
    await page.getByRole('tree', { name: 'History graph' }).getByRole('treeitem').first().waitFor()
    const graphRenderMs = Date.now() - graphStart
    return {
      nodes: nodeCount,
      firstRenderMs,
      scrollFrameMedianMs: quantile(frames, 0.5),
      scrollFrameP95Ms: quantile(frames, 0.95),
      graphRenderMs,
    }
  } finally {
    await browser.close()
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Prints the 1,000-node figures against the small-project baseline measured in the same run. */
export function printHistory(baseline: HistoryFigures, big: HistoryFigures): void {
  const row = (f: HistoryFigures) =>
    `| ${f.nodes} | ${f.firstRenderMs} | ${f.scrollFrameMedianMs.toFixed(1)} | ${f.scrollFrameP95Ms.toFixed(1)} | ${f.graphRenderMs} |`
  console.log('| nodes | open → history shown (ms) | scroll frame median (ms) | scroll frame p95 (ms) | graph view shown (ms) |')
  console.log('|---:|---:|---:|---:|---:|')
  console.log(row(baseline))
  console.log(row(big))
  console.log(
    `\n${big.nodes} vs ${baseline.nodes} nodes: open ×${(big.firstRenderMs / baseline.firstRenderMs).toFixed(2)}, scroll frame ×${(big.scrollFrameMedianMs / baseline.scrollFrameMedianMs).toFixed(2)} (60 fps = 16.7 ms a frame)`,
  )
}

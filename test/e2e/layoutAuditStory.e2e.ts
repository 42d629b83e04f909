/**
 * Issue 15, "nothing clipped or overlapping": the main views in the light and dark themes at
 * 1280×800 and 1920×1080. Every visible control lies inside the window, no two controls overlap,
 * and no button's label is cut off. Screenshots of each view are kept in test-results/layout/.
 */
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { canvasHelpers } from './support/canvasPage'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-layout-'))
const shots = join(process.cwd(), 'test-results', 'layout')
let browser: Browser
let server: StudioServer
let page: Page

/** Problems a designer would see: controls outside the window, on top of each other, or cut off. */
function layoutProblems(): string[] {
  const controls = Array.from(document.querySelectorAll<HTMLElement>('button, input, select, textarea, [role="treeitem"], a[href]')).filter(
    (el) => {
      const r = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      // Visually hidden file inputs (1×1, transparent) sit inside their visible label.
      return (
        r.width > 2 && r.height > 2 && style.visibility !== 'hidden' && style.opacity !== '0' && el.closest('[aria-hidden="true"]') === null
      )
    },
  )
  const name = (el: HTMLElement) => el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? el.tagName
  /** Drawn at all: not scrolled away inside a panel (a list's rows below its fold are fine). */
  const shown = (el: HTMLElement) => {
    const r = el.getBoundingClientRect()
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return hit !== null && (hit === el || el.contains(hit) || hit.contains(el))
  }
  const problems: string[] = []
  const visible = controls.filter(shown)
  for (const el of visible) {
    const r = el.getBoundingClientRect()
    if (r.left < -1 || r.top < -1 || r.right > innerWidth + 1 || r.bottom > innerHeight + 1)
      problems.push(`outside the window: ${name(el)}`)
    if (el.tagName === 'BUTTON' && el.scrollWidth > el.clientWidth + 2) problems.push(`label cut off: ${name(el)}`)
  }
  // Panel headings must be whole and clear of the panel's buttons.
  for (const h of Array.from(document.querySelectorAll<HTMLElement>('h2'))) {
    if (h.scrollWidth > h.clientWidth + 2) problems.push(`heading cut off: ${h.textContent}`)
    const hr = h.getBoundingClientRect()
    for (const el of visible) {
      const r = el.getBoundingClientRect()
      if (Math.min(r.right, hr.right) - Math.max(r.left, hr.left) > 2 && Math.min(r.bottom, hr.bottom) - Math.max(r.top, hr.top) > 2)
        problems.push(`heading ${h.textContent} under ${name(el)}`)
    }
  }
  for (let i = 0; i < visible.length; i++)
    for (let j = i + 1; j < visible.length; j++) {
      const a = visible[i] as HTMLElement
      const b = visible[j] as HTMLElement
      if (a.contains(b) || b.contains(a)) continue
      const p = a.getBoundingClientRect()
      const q = b.getBoundingClientRect()
      const w = Math.min(p.right, q.right) - Math.max(p.left, q.left)
      const h = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top)
      if (w > 2 && h > 2) problems.push(`overlap: ${name(a)} × ${name(b)}`)
    }
  return problems
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true })
  ;({ browser, server, page } = await openStudioPage(join(dir, 'layout.kstudio'), { viewport: { width: 1280, height: 800 } }))
  await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
  await page.getByRole('treeitem', { name: 'import: hero.png' }).waitFor()
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the main views at two sizes and in both themes', () => {
  it('builds a session with every panel in use', async () => {
    const c = canvasHelpers(page)
    const hero = await c.currentNode()
    const edited = await c.generate('make the red circle blue', hero?.id as string)
    await page.getByLabel('Add current node as a frame').click()
    await page.getByLabel('Shot instruction').fill('change the background to white')
    await page.getByLabel('Next shot').click()
    await expect.poll(() => page.getByRole('list', { name: 'Frames' }).getByRole('listitem').count(), { timeout: 30_000 }).toBe(2)
    await page.getByRole('treeitem', { name: 'edit: make the red circle blue', exact: true }).click()
    expect(edited.status).toBe('done')
  })

  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const)
    for (const theme of ['light', 'dark'] as const)
      it(`${width}×${height}, ${theme}: nothing outside the window, overlapping or cut off`, async () => {
        await page.setViewportSize({ width, height })
        await page.evaluate((t) => {
          localStorage.setItem('theme', t)
          document.documentElement.dataset.theme = t
        }, theme)
        await page.getByRole('treeitem', { name: 'edit: make the red circle blue', exact: true }).click()
        await page.screenshot({ path: join(shots, `studio-${width}x${height}-${theme}.png`) })
        expect(await page.evaluate(layoutProblems)).toEqual([])
        await page.getByRole('button', { name: 'Show history as a graph' }).click()
        await page.screenshot({ path: join(shots, `graph-${width}x${height}-${theme}.png`) })
        expect(await page.evaluate(layoutProblems)).toEqual([])
        await page.getByRole('button', { name: 'Show history as a list' }).click()
      })
})

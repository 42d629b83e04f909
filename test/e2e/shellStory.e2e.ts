/**
 * The studio's shell as a screen-reader user and a designer who prefers light themes meet it:
 * every control has a name (on the empty studio, with a photo and layers, and in each overlay), the
 * status bar names the engine and its execution provider, and the theme choice survives a reload.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import { navySceneWithRedCircle } from './support/scenes'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-shell-'))
let browser: Browser
let server: StudioServer
let page: Page
/** Script errors and console errors (CSP violations among them) seen by the main page. */
const problems: string[] = []

/**
 * Visible controls without an accessible name, described so a failure says which. The name rules
 * are the common ones of the accessible-name computation: aria-label, aria-labelledby, a <label>,
 * visible text, or a title.
 */
async function unnamedControls(): Promise<string[]> {
  return page.evaluate(() => {
    const selector =
      'button, input, select, textarea, [role="button"], [role="radio"], [role="option"], [role="treeitem"], [role="tab"], a[href]'
    const shown = (el: Element): boolean => {
      const box = (el as HTMLElement).getBoundingClientRect()
      const style = getComputedStyle(el)
      return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
    }
    const named = (el: Element): boolean => {
      if (el.getAttribute('aria-label')?.trim()) return true
      const ids = el.getAttribute('aria-labelledby')?.split(/\s+/) ?? []
      if (ids.some((id) => document.getElementById(id)?.textContent?.trim())) return true
      const labels = (el as HTMLInputElement).labels
      if (labels && Array.from(labels).some((l) => l.textContent?.trim())) return true
      const isField = el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
      if (!isField && el.textContent?.trim()) return true
      return !!el.getAttribute('title')?.trim()
    }
    return Array.from(document.querySelectorAll(selector))
      .filter((el) => shown(el) && !named(el))
      .map(
        (el) =>
          `<${el.tagName.toLowerCase()} class="${el.className}"> in ${el.closest('[aria-label]')?.getAttribute('aria-label') ?? 'the page'}`,
      )
  })
}

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'shell.kstudio'), {
    beforeLoad: (p) => {
      p.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
      p.on('console', (m) => void (m.type() === 'error' && problems.push(`console: ${m.text()}`)))
    },
  }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('the studio shell', () => {
  it('names every control of the empty studio', async () => {
    expect(await unnamedControls()).toEqual([])
  })

  it('shows the engine state and its execution provider in the status bar', async () => {
    await expect.poll(() => page.getByLabel('Engine status').textContent(), { timeout: 60_000 }).toContain('ready')
    // Before any generation the engine has no session yet: the bar lists what it can choose from.
    await expect
      .poll(() => page.getByLabel('Execution provider').textContent(), { timeout: 60_000 })
      .toMatch(/^Provider: none yet — tries .*cpu/)
  })

  it('names every control once a photo with layers is on the canvas, and in each overlay', async () => {
    await dropFiles(page, [{ name: 'hero.png', type: 'image/png', bytes: await navySceneWithRedCircle() }])
    await page.getByRole('treeitem', { name: 'import: hero.png' }).waitFor()
    await page.getByLabel('Add text layer').click()
    await page.getByLabel('Add mask layer').click()
    await page.getByRole('option', { name: /^Layer Mask/ }).waitFor()
    expect(await unnamedControls()).toEqual([])

    await page.getByLabel('Export image').click()
    await page.getByRole('dialog', { name: 'Export options' }).waitFor()
    expect(await unnamedControls()).toEqual([])
    await page.getByLabel('Export image').click()

    await page.getByLabel('Keyboard shortcuts (?)').click()
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor()
    expect(await unnamedControls()).toEqual([])
    await page.getByLabel('Close shortcuts').click()

    await page.getByLabel('Show history as a graph').click()
    await page.getByRole('tree', { name: 'History graph' }).getByRole('treeitem').first().waitFor()
    expect(await unnamedControls()).toEqual([])
    await page.getByLabel('Show history as a list').click()

    await page.getByLabel('Compare (C)').click()
    await page.getByRole('dialog', { name: 'Compare' }).waitFor()
    expect(await unnamedControls()).toEqual([])
    await page.getByLabel('Close compare').click()
  })

  it('names the execution provider the first generation ran on', async () => {
    await page.getByLabel('Instruction', { exact: true }).fill('make the red circle blue')
    await page.getByLabel('Instruction', { exact: true }).press('Control+Enter')
    await page.getByRole('treeitem', { name: 'edit: make the red circle blue' }).waitFor()
    await expect
      .poll(() => page.getByRole('treeitem', { name: 'edit: make the red circle blue' }).getAttribute('data-status'), { timeout: 60_000 })
      .toBe('done')
    await expect
      .poll(() => page.getByLabel('Execution provider').textContent(), { timeout: 15_000 })
      .toMatch(/^Provider: (cpu|cuda|dml|webgpu) \(ran the last job\)$/)
  })

  it('starts in the operating system’s light or dark theme until the designer picks one', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const fresh = await browser.newPage({ viewport: { width: 1000, height: 700 }, colorScheme })
      try {
        await fresh.goto(server.url)
        await fresh.getByLabel('Status bar').waitFor()
        expect(await fresh.evaluate(() => document.documentElement.dataset.theme)).toBe(colorScheme)
      } finally {
        await fresh.close()
      }
    }
  })

  it('keeps the chosen theme across a reload', async () => {
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme)
    const before = await theme()
    const other = before === 'dark' ? 'light' : 'dark'
    await page.getByLabel(`Switch to ${other} theme`).click()
    expect(await theme()).toBe(other)
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    await page.reload()
    await page.getByLabel('Status bar').waitFor()
    expect(await theme()).toBe(other)
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(background)
    await page.getByLabel(`Switch to ${before} theme`).waitFor()
  })

  it('ran all of the above without a script error or a Content-Security-Policy violation', () => {
    expect(problems).toEqual([])
  })
})

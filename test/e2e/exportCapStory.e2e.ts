/**
 * Issue 11's export cap, as a designer meets it: for an 8200 px wide strip, 2× would be 16400 px,
 * over the 16384 px PNG cap — the menu says so before anything starts (2× disabled, a note with
 * the largest scale, Save disabled), and the sizes that fit still export.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { solidGreyPng } from '../support/solidPng'
import { dropFiles } from './support/browser'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-e2e-'))
let browser: Browser
let server: StudioServer
let page: Page

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'cap.kstudio'), { viewport: { width: 1280, height: 800 } }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('exporting an image near the cap', () => {
  it('disables a size over the cap up front and names the largest scale that fits', async () => {
    await dropFiles(page, [{ name: 'strip.png', type: 'image/png', bytes: await solidGreyPng(8200, 100, 120) }])
    await page.getByRole('treeitem', { name: 'import: strip.png' }).waitFor()
    await page.getByLabel('Export image').click()
    const menu = page.getByRole('dialog', { name: 'Export options' })
    await menu.waitFor()
    const twice = menu.getByRole('option', { name: '2× — too large' })
    expect(await twice.isDisabled()).toBe(true)
    expect(await menu.getByRole('option', { name: '1× (original)' }).isDisabled()).toBe(false)

    // Chosen anyway (a script, or a format switch after choosing 2×): the note and a disabled Save.
    await menu.getByLabel('Export size').evaluate((select: HTMLSelectElement) => {
      select.value = '2'
      select.dispatchEvent(new Event('change'))
    })
    const note = menu.getByRole('note')
    await note.waitFor()
    expect(await note.textContent()).toBe('Too large as PNG: at most 1.99× (16318×199 px).')
    expect(await menu.getByLabel('Save export').isDisabled()).toBe(true)

    await menu.getByLabel('Export size').selectOption('1')
    expect(await note.count()).toBe(0)
    const [download] = await Promise.all([page.waitForEvent('download'), menu.getByLabel('Save export').click()])
    expect(download.suggestedFilename()).toMatch(/\.png$/)
  })
})

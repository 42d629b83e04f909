/**
 * Issue 16, the studio half: a batch of photos through one instruction on the studio's own queue —
 * drop four photos on the Batch panel, run them at 2 steps, review the results (accept half,
 * reject half) and export the accepted ones as a zip named like the inputs; each accepted result
 * is an edit whose parent is its own photo's import root; the next plan's estimate is measured
 * from one real edit; a batch with the “Centre” region preset gives its edit that region, as a
 * painted region edit has. (A folder drop cannot be synthesized: a page's DataTransfer takes only files
 * and strings, never a directory, so the folder walker is tested on its own against a fake of
 * Chromium's entries API: test/unit/renderer/batchFiles.test.ts.)
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unzipSync } from 'fflate'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dropFiles } from './support/browser'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-batch-'))
let browser: Browser
let server: StudioServer
let page: Page

/** Words the bundled kontext-tiny knows (the host refuses others before queuing). */
const PROMPT = 'make the background white'
const NAMES = ['shoe-red.png', 'shoe-blue.png', 'bag-green.png', 'hat-yellow.png']
const COLOURS = [
  { r: 220, g: 40, b: 40 },
  { r: 40, g: 60, b: 220 },
  { r: 40, g: 180, b: 60 },
  { r: 230, g: 210, b: 40 },
]
/** A 64×64 product shot: a coloured square on grey. */
async function productShot(colour: { r: number; g: number; b: number }): Promise<Uint8Array> {
  const square = await sharp({ create: { width: 24, height: 24, channels: 3, background: colour } })
    .png()
    .toBuffer()
  return new Uint8Array(
    await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 128, g: 128, b: 128 } } })
      .composite([{ input: square, left: 20, top: 20 }])
      .png()
      .toBuffer(),
  )
}

const panel = () => page.getByRole('dialog', { name: 'Batch' })
const item = (name: string) => panel().getByRole('listitem', { name: `Batch item ${name}` })

beforeAll(async () => {
  ;({ browser, server, page } = await openStudioPage(join(dir, 'batch.kstudio'), { viewport: { width: 1280, height: 800 } }))
})

afterAll(() => closeStudioPage(browser, server, dir))

describe('a batch of product photos', () => {
  it('plans four dropped photos with no estimate before one edit is measured', async () => {
    await page.getByRole('button', { name: 'Batch', exact: true }).click()
    const files = await Promise.all(
      COLOURS.map(async (c, i) => ({ name: NAMES[i] as string, type: 'image/png', bytes: await productShot(c) })),
    )
    await dropFiles(page, files, '[aria-label="Batch drop zone"]')
    const plan = panel().getByLabel('Batch plan')
    await expect.poll(() => plan.textContent()).toMatch(/Photos\s*4/)
    await expect.poll(() => plan.textContent()).toContain('64×64')
    expect(await plan.textContent()).toContain('not measured yet')
    expect(await plan.textContent()).toContain('this studio, one at a time')
    // Claimed by the panel: nothing was imported into the history as loose pictures.
    expect(await page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem').count()).toBe(0)
  })

  it('checks the instruction like a normal generate before queuing anything', async () => {
    await panel().getByLabel('Batch instruction').fill('white background, soft shadow')
    await panel().getByRole('button', { name: 'Start batch of 4' }).click()
    await expect.poll(() => panel().getByRole('alert').textContent()).toContain('“shadow”')
    expect(await page.getByRole('tree', { name: 'History tree' }).getByRole('treeitem').count()).toBe(0)
  })

  it('runs one edit per photo and shows each result in the grid', async () => {
    await panel().getByLabel('Batch instruction').fill(PROMPT)
    await panel().getByLabel('Batch steps').fill('2')
    await panel().getByRole('button', { name: 'Start batch of 4' }).click()
    await expect.poll(() => panel().getByRole('listitem').count(), { timeout: 60_000 }).toBe(4)
    await expect.poll(() => panel().getByRole('list', { name: 'Batch results' }).locator('img').count(), { timeout: 180_000 }).toBe(4)
    await expect.poll(() => panel().getByLabel('Batch progress').textContent()).toContain('4 of 4 finished')
  })

  it('accepts half, rejects half, and exports only the accepted under their input names', async () => {
    await item(NAMES[0] as string)
      .getByRole('button', { name: `Accept ${NAMES[0]}` })
      .click()
    await item(NAMES[2] as string)
      .getByRole('button', { name: `Accept ${NAMES[2]}` })
      .click()
    await item(NAMES[1] as string)
      .getByRole('button', { name: `Reject ${NAMES[1]}` })
      .click()
    await item(NAMES[3] as string)
      .getByRole('button', { name: `Reject ${NAMES[3]}` })
      .click()
    await expect.poll(() => panel().getByLabel('Batch progress').textContent()).toContain('2 accepted')
    await expect.poll(() => item(NAMES[1] as string).getAttribute('data-status')).toBe('rejected')
    const [download] = await Promise.all([page.waitForEvent('download'), panel().getByRole('button', { name: 'Export accepted' }).click()])
    const zip = unzipSync(new Uint8Array(readFileSync(await download.path())))
    expect(Object.keys(zip).sort()).toEqual([NAMES[2], NAMES[0]].sort())
    for (const png of Object.values(zip)) {
      const meta = await sharp(Buffer.from(png)).metadata()
      expect(meta).toMatchObject({ format: 'png', width: 64, height: 64 })
    }
  })

  it('makes each accepted result an edit whose parent is its own photo’s import root', async () => {
    const editIds = await Promise.all([NAMES[0], NAMES[2]].map((n) => item(n as string).getAttribute('data-node-id')))
    await panel().getByRole('button', { name: 'Close batch' }).click()
    const tree = page.getByRole('tree', { name: 'History tree' })
    for (const [i, name] of [NAMES[0], NAMES[2]].entries()) {
      await tree.locator(`[data-node-id="${editIds[i]}"]`).click()
      const parent = await page.evaluate(
        () =>
          (window as unknown as { __kontextCanvas: { currentNode(): { parentId: string | null } | null } }).__kontextCanvas.currentNode()
            ?.parentId,
      )
      const root = tree.getByRole('treeitem', { name: new RegExp(`^import: ${(name as string).replace('.', '\\.')} · batch `) })
      expect(parent).toBe(await root.getAttribute('data-node-id'))
    }
    // Four photos, four roots; the two rejected edits are in the trash, not the tree.
    expect(await tree.getByRole('treeitem', { name: /^import: / }).count()).toBe(4)
    expect(await tree.getByRole('treeitem', { name: `edit: ${PROMPT}` }).count()).toBe(2)
  })

  it('estimates the next batch from one measured edit, labelled as measured', async () => {
    await page.getByRole('button', { name: 'Batch', exact: true }).click()
    await panel().getByRole('button', { name: 'New batch' }).click()
    await dropFiles(
      page,
      [{ name: 'again.png', type: 'image/png', bytes: await productShot({ r: 200, g: 100, b: 0 }) }],
      '[aria-label="Batch drop zone"]',
    )
    const plan = panel().getByLabel('Batch plan')
    await expect.poll(() => plan.textContent()).toMatch(/Photos\s*1/)
    await panel().getByLabel('Batch instruction').fill(PROMPT)
    await panel().getByLabel('Batch steps').fill('2')
    await panel().getByRole('button', { name: 'Measure one edit' }).click()
    await expect
      .poll(() => plan.textContent(), { timeout: 120_000 })
      .toMatch(/Estimated time\s*(about \d+ s|under 1 s) — measured: one edit took \d+\.\d\d s × 1 one at a time/)
    // The measurement made nothing: still four roots, two accepted edits.
    await panel().getByRole('button', { name: 'Close batch' }).click()
    expect(
      await page
        .getByRole('tree', { name: 'History tree' })
        .getByRole('treeitem', { name: /^import: / })
        .count(),
    ).toBe(4)
  })

  it('runs a batch with a region preset: the plan shows it and the edit carries the region', async () => {
    await page.getByRole('button', { name: 'Batch', exact: true }).click()
    await panel().getByRole('button', { name: 'New batch' }).click()
    await dropFiles(
      page,
      [{ name: 'centred.png', type: 'image/png', bytes: await productShot({ r: 20, g: 200, b: 200 }) }],
      '[aria-label="Batch drop zone"]',
    )
    await panel().getByLabel('Batch region').selectOption('centre')
    const plan = panel().getByLabel('Batch plan')
    await expect.poll(() => plan.textContent()).toMatch(/Region\s*Centre \(the middle 60%\)/)
    await panel().getByLabel('Batch instruction').fill(PROMPT)
    await panel().getByLabel('Batch steps').fill('2')
    await panel().getByRole('button', { name: 'Start batch of 1' }).click()
    await expect.poll(() => panel().getByRole('list', { name: 'Batch results' }).locator('img').count(), { timeout: 120_000 }).toBe(1)
    const editId = await item('centred.png').getAttribute('data-node-id')
    await panel().getByRole('button', { name: 'Close batch' }).click()
    await page.getByRole('tree', { name: 'History tree' }).locator(`[data-node-id="${editId}"]`).click()
    const region = await page.evaluate(
      () =>
        (
          window as unknown as { __kontextCanvas: { currentNode(): { region: { maskBlob: string } | null } | null } }
        ).__kontextCanvas.currentNode()?.region ?? null,
    )
    expect(region?.maskBlob).toMatch(/^[0-9a-f]{64}$/)
  })
})

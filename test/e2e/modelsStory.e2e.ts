/**
 * Issue 14's story: a designer opens Models, sees kontext-tiny labelled as a demonstration model
 * with its words, adds FLUX.1 Kontext [dev] from the hub (here a loopback imitation the test
 * starts; the host reads its address from KONTEXT_HUB_URL_FOR_TESTS, tests only), is told the
 * repository is gated until a token is given, watches the progress, pauses, resumes, sees it
 * installed and removes it; test-runs kontext-tiny (provider and time shown); cancels a second
 * download (nothing left on disk); links a folder already on disk with int8 weights and is told
 * every missing piece of one that is incomplete; plans its memory in the Fit section (phases,
 * verdict, ways to fit; kontext-tiny: not planned). Then, with kontext-tiny chosen, a photo as the
 * context is warned about before the edit, and one of its own shapes is not; the size menu names
 * the size the engine will use.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLUX1_KONTEXT_DEV } from '../../engine/models/catalogue'
import { writeComfyFolder, writeOfficialRelease, writeT5TokenizerDir } from '../support/fluxFolders'
import { ImitationHub } from '../support/imitationHub'
import { goldenDir } from '../fixtures/engine/paths'
import { dropFiles } from './support/browser'
import type { StudioServer } from './support/studioServer'
import { closeStudioPage, openStudioPage } from './support/studioPage'

const dir = mkdtempSync(join(tmpdir(), 'kstudio-e2e-models-'))
const TOKEN =
  'hf_E2eToken' +
  Math.random()
    .toString(36)
    .slice(2)
    .replace(/[^a-z0-9]/g, 'k')
const BIG = 'flux1-kontext-dev.safetensors'
const models = join(dir, 'home', 'models')
let browser: Browser
let server: StudioServer
let page: Page
let hub: ImitationHub

beforeAll(async () => {
  const repo = writeOfficialRelease(join(dir, 'repo'))
  writeFileSync(join(repo, 'LICENSE.md'), 'licence\n')
  hub = new ImitationHub({ repo: FLUX1_KONTEXT_DEV.repo, folder: repo, gated: true, grantedTokens: [TOKEN] })
  await hub.start()
  // The host is a child process and inherits these.
  process.env.KONTEXT_STUDIO_HOME = join(dir, 'home')
  process.env.KONTEXT_HUB_URL_FOR_TESTS = hub.url
  delete process.env.HF_TOKEN
  ;({ browser, server, page } = await openStudioPage(join(dir, 'models.kstudio')))
})

afterAll(async () => {
  await hub?.close()
  await closeStudioPage(browser, server, dir)
})

const addCard = () => page.getByRole('article', { name: 'Add FLUX.1 Kontext [dev]' })

describe('the Models page', () => {
  it('shows kontext-tiny as a demonstration model with its vocabulary', async () => {
    await page.getByRole('button', { name: 'Models' }).click()
    const tiny = page.getByRole('article', { name: 'Model kontext-tiny' })
    await tiny.waitFor()
    expect(await tiny.textContent()).toContain('Demonstration model')
    expect(await tiny.getByLabel('Words this model knows').textContent()).toMatch(/Knows 43 words: .*circle/)
    expect(await addCard().textContent()).toContain('FLUX.1 [dev] Non-Commercial License')
    expect(await addCard().textContent()).toContain('The repository is gated')
  })

  it('test-runs kontext-tiny through the engine and shows the provider it ran on, and the CUDA route', async () => {
    await page.getByRole('button', { name: 'Test run kontext-tiny' }).click()
    const status = page.getByRole('status').filter({ hasText: 'kontext-tiny: test run' })
    await status.waitFor({ timeout: 120_000 })
    const line = (await status.textContent()) ?? ''
    expect(line).toMatch(/kontext-tiny: test run OK — 1 step at 64×64 on (\w+) in \d+\.\d s\./)
    const provider = /on (\w+) in/.exec(line)![1]!
    const providers = page.getByRole('article', { name: 'Providers' })
    expect(await providers.getByLabel(`Provider ${provider}`).textContent()).toContain('in use')
    expect(await providers.textContent()).toContain('npm run gpu:install')
  })

  it('explains the gate without a token, then downloads with progress, pauses, resumes and installs', async () => {
    await addCard().getByRole('button', { name: 'Add FLUX.1 Kontext [dev]' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('is gated')
    const size = statSync(join(dir, 'repo', BIG)).size
    hub.holdAt.set(BIG, size >> 1)
    await page.getByLabel('Hub token').fill(TOKEN)
    await addCard().getByRole('button', { name: 'Add FLUX.1 Kontext [dev]' }).click()
    const progress = page.getByLabel('Download progress')
    await expect.poll(() => progress.textContent()).toContain(`Downloading ${BIG} (1/`)
    await expect.poll(() => progress.textContent()).toContain('— 50%')
    await page.getByRole('button', { name: 'Pause download' }).click()
    await page.getByRole('button', { name: 'Resume download' }).waitFor()
    expect(existsSync(join(models, 'flux1-kontext-dev.partial', BIG))).toBe(true)
    expect(existsSync(join(models, 'flux1-kontext-dev'))).toBe(false)
    const before = hub.contentRequests(BIG).length
    await page.getByRole('button', { name: 'Resume download' }).click()
    const card = page.getByRole('article', { name: 'Model flux1-kontext-dev' })
    await expect.poll(() => card.textContent(), { timeout: 30_000 }).toContain('ready')
    expect(
      hub
        .contentRequests(BIG)
        .slice(before)
        .map((r) => r.range),
    ).toEqual([`bytes=${size >> 1}-${size - 1}`])
    expect(await card.textContent()).toContain('FLUX.1 [dev] Non-Commercial License')
    expect(await page.content()).not.toContain(TOKEN)
    // Never in a project or a record: the project file (and its journal) and the model's install.json.
    const written = [
      ...readdirSync(dir)
        .filter((f) => f.startsWith('models.kstudio'))
        .map((f) => join(dir, f)),
      join(models, 'flux1-kontext-dev', 'install.json'),
    ]
    for (const f of written) expect(readFileSync(f).includes(TOKEN), f).toBe(false)
  })

  it('verifies the installed model, removes it, and cancelling a download leaves nothing on disk', async () => {
    await page.getByRole('button', { name: 'Verify flux1-kontext-dev' }).click()
    await page.getByRole('status').filter({ hasText: 'flux1-kontext-dev: checked.' }).waitFor()
    expect(await page.getByRole('article', { name: 'Model flux1-kontext-dev' }).textContent()).toContain('ready')
    await page.getByRole('button', { name: 'Remove flux1-kontext-dev' }).click()
    await addCard().getByRole('button', { name: 'Add FLUX.1 Kontext [dev]' }).waitFor()
    expect(existsSync(join(models, 'flux1-kontext-dev'))).toBe(false)
    hub.holdAt.set(BIG, 64)
    await addCard().getByRole('button', { name: 'Add FLUX.1 Kontext [dev]' }).click()
    await expect.poll(() => page.getByLabel('Download progress').textContent()).toContain(`Downloading ${BIG}`)
    await page.getByRole('button', { name: 'Cancel download' }).click()
    await addCard().getByRole('button', { name: 'Add FLUX.1 Kontext [dev]' }).waitFor()
    await expect.poll(() => existsSync(join(models, 'flux1-kontext-dev.partial'))).toBe(false)
  })

  it('links a folder already on disk in place, and names every missing piece of an incomplete one', async () => {
    const comfy = writeComfyFolder(join(dir, 'ComfyUI', 'models'))
    await page.getByLabel('Folder path').fill(comfy)
    await page.getByRole('button', { name: 'Use this folder' }).click()
    const alert = page.getByRole('alert')
    await expect.poll(() => alert.textContent()).toContain('No T5 tokenizer')
    writeT5TokenizerDir(join(comfy, 'tokenizer_2'))
    rmSync(join(comfy, 'vae'), { recursive: true })
    await page.getByRole('button', { name: 'Use this folder' }).click()
    await expect.poll(() => alert.textContent()).toContain('No autoencoder found')
    writeComfyFolder(comfy)
    // What the small random twin's tensors cannot say (FLUX.1's RoPE axes do not fit its head size), so the engine can run it.
    writeFileSync(
      join(comfy, 'kontext.json'),
      JSON.stringify({
        rope: { axes: [4, 6, 6], theta: 10000 },
        clipHeads: 2,
        resolutions: [
          [48, 32],
          [32, 32],
        ],
      }),
    )
    // The fit option: int8 weights, recorded and said on the card.
    await page.getByLabel('Weight quantisation').selectOption('int8')
    await page.getByRole('button', { name: 'Use this folder' }).click()
    await page.getByRole('status').filter({ hasText: 'Folder linked; its weights will be built as int8.' }).waitFor()
    const linked = page.getByRole('article').filter({ hasText: `linked: ${comfy}` })
    expect(await linked.count()).toBe(1)
    expect(await linked.textContent()).toContain('int8 weights (MatMulNBits, 8-bit, blocks of 32)')
  })

  it('plans the linked model’s memory before a job: phases, verdict and the ways to fit; kontext-tiny is not planned', async () => {
    const linked = page.getByRole('article').filter({ hasText: 'int8 weights (MatMulNBits' })
    await linked.locator('summary', { hasText: 'Fit' }).click()
    await linked.getByLabel('Fit references').fill('1')
    await linked.getByRole('button', { name: /^Plan memory for / }).click()
    const verdict = linked.getByLabel('Fit verdict')
    await expect.poll(() => verdict.textContent()).toMatch(/A \d+×\d+ job with 1 reference image (fits|does not fit)/)
    const phases = await linked.getByLabel('Memory by phase').locator('tbody tr td:first-child').allTextContents()
    expect(phases).toEqual(['text encoders', 'encoding the references', 'denoising', 'decoding'])
    expect(await linked.textContent()).toContain('int8 weights')
    const ways = (await linked.getByLabel('Ways to fit').locator('li').allTextContents()).join('\n')
    expect(ways).toMatch(/Sequential loading.*Automatic/)
    expect(ways).toMatch(/int4 weights.*--quantise int4.*Measured on the small random twin checkpoints/)
    expect(ways).toContain('16-bit weights (not available yet)')
    expect(ways).not.toMatch(/^int8 weights/m)
    const tiny = page.getByRole('article', { name: 'Model kontext-tiny' })
    await tiny.locator('summary', { hasText: 'Fit' }).click()
    await tiny.getByRole('button', { name: 'Plan memory for kontext-tiny' }).click()
    await expect.poll(() => tiny.getByLabel('Fit verdict').textContent()).toContain('covers FLUX checkpoint folders only')
  })

  it('warns before an edit when kontext-tiny is chosen and the context is a photo, not for a picture of shapes', async () => {
    await page.getByRole('button', { name: 'Close models' }).click()
    // A camera-like picture: a smooth gradient with sensor noise, 400×300, thousands of colours.
    const w = 400
    const h = 300
    const px = Buffer.alloc(w * h * 3)
    let s = 7
    for (let i = 0; i < w * h; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff
      const x = i % w
      const y = Math.floor(i / w)
      px[3 * i] = (x * 255) / w + (s % 24)
      px[3 * i + 1] = (y * 255) / h + ((s >> 5) % 24)
      px[3 * i + 2] = 128 + ((s >> 10) % 48)
    }
    const photo = new Uint8Array(
      await sharp(px, { raw: { width: w, height: h, channels: 3 } })
        .png()
        .toBuffer(),
    )
    await dropFiles(page, [{ name: 'street.png', type: 'image/png', bytes: photo }])
    await page.getByRole('treeitem', { name: 'import: street.png' }).waitFor()
    const note = page.getByRole('note', { name: 'This model and this picture' })
    await note.waitFor()
    expect(await note.textContent()).toMatch(
      /small demonstration model: it only knows coloured shapes .* looks like a photo \(400×300, \d+ colours\).*Add FLUX\.1 Kontext \[dev\]/,
    )
    const shapes = new Uint8Array(readFileSync(join(goldenDir, 'c2_context.png')))
    await dropFiles(page, [{ name: 'shapes.png', type: 'image/png', bytes: shapes }], '[aria-label="History"]')
    await page.getByRole('treeitem', { name: 'import: shapes.png' }).click()
    await expect.poll(() => note.count()).toBe(0)
    await page.getByRole('treeitem', { name: 'import: street.png' }).click()
    await note.waitFor()
    // The size menu names the size the engine will use for this context: kontext-tiny has one.
    expect(await page.getByLabel('Output size').locator('option').first().textContent()).toBe('Size: as the context (64 × 64)')
  })
})

/**
 * The studio runs FLUX.1 Kontext from each shape of files users have, side by side in its engine
 * process: the official release, a ComfyUI models folder (single files, plus the release's T5
 * tokenizer) and the ONNX export once `kontext models import` has adapted it. Small random
 * checkpoints of the same architecture; the studio's queue drives exactly this `EngineProcess`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readPngText } from '../../../engine/image/pngText'
import { EngineProcess } from '../../../main/services/engineProcess'
import { runCli } from '../../fixtures/engine/runCli'
import { TINY } from '../../support/fluxCheckpoints'
import { writeComfyFolder, writeOfficialRelease, writeT5TokenizerDir } from '../../support/fluxFolders'
import { writeOnnxExportStandIn } from '../../support/fluxOnnxExport'

const CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[48, 32]] }
const home = mkdtempSync(join(tmpdir(), 'kontext-studio-shapes-'))
const release = join(home, 'release')
const comfy = join(home, 'ComfyUI-models')
const exported = join(home, 'export')
const savedHome = process.env.KONTEXT_STUDIO_HOME
let engine: EngineProcess
let context: Uint8Array

beforeAll(async () => {
  process.env.KONTEXT_STUDIO_HOME = home
  writeOfficialRelease(release, TINY)
  writeFileSync(join(release, 'kontext.json'), JSON.stringify({ ...CONFIG, id: 'flux-release' }))
  writeComfyFolder(comfy, TINY)
  writeT5TokenizerDir(join(comfy, 'tokenizer_2'))
  writeFileSync(join(comfy, 'kontext.json'), JSON.stringify({ ...CONFIG, id: 'flux-comfy' }))
  writeOnnxExportStandIn(release, exported, { withAe: true, withTokenizers: true })
  writeFileSync(join(exported, 'kontext.json'), JSON.stringify({ ...CONFIG, id: 'flux-export' }))
  const imported = await runCli(home, 'models', 'import', exported, '--provider', 'cpu')
  expect(imported.code, imported.err).toBe(0)
  context = new Uint8Array(
    await sharp({ create: { width: 48, height: 32, channels: 3, background: '#c83c28' } })
      .png()
      .toBuffer(),
  )
  engine = new EngineProcess({ modelDirs: [release, comfy, exported], provider: 'cpu', log: () => undefined })
  await engine.start()
}, 300_000)
afterAll(async () => {
  await engine?.stop()
  if (savedHome === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = savedHome
  rmSync(home, { recursive: true, force: true })
})

describe("the studio's engine process with FLUX.1 Kontext in three shapes", () => {
  it('lists all three as models, none of them broken', async () => {
    const d = await engine.describe()
    expect(d.models.map((m) => m.id).sort()).toEqual(['flux-comfy', 'flux-export', 'flux-release'])
    expect(d.brokenModels ?? []).toEqual([])
  })

  it.each(['flux-release', 'flux-comfy', 'flux-export'])(
    'edits a picture with %s, a progress event a step, the PNG naming the model',
    async (model) => {
      const steps: number[] = []
      const r = await engine.run(
        { model, prompt: 'a red cat', contexts: [context], seed: 5, steps: 2, guidance: 2.5 },
        { onProgress: (p) => steps.push(p.step) },
      )
      expect([r.width, r.height]).toEqual([48, 32])
      expect(steps).toEqual([1, 2])
      expect(readPngText(r.png)).toMatchObject({ model, prompt: 'a red cat', seed: '5' })
      // A real picture, not a blank: the decoder's output varies across the image.
      const { data } = await sharp(r.png).raw().toBuffer({ resolveWithObject: true })
      expect(new Set(data).size).toBeGreaterThan(16)
    },
    300_000,
  )
})

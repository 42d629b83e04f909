/**
 * The studio's engine process on a folder of small random FLUX checkpoints (the official
 * release's shape): it lists the folder as a model, runs an edit with one progress event and
 * preview per step, and cancels a long job at its next step — what the studio's queue relies on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SAMPLING_LIMITS } from '../../../core/limits'
import { readPngText } from '../../../engine/image/pngText'
import { EngineProcess } from '../../../main/services/engineProcess'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'

const dir = mkdtempSync(join(tmpdir(), 'kontext-ckproc-'))
const folder = join(dir, 'flux-tiny')
writeOfficialRelease(folder, TINY)
writeFileSync(
  join(folder, 'kontext.json'),
  JSON.stringify({ id: 'flux-tiny', rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[32, 32]] }),
)

describe('EngineProcess with a checkpoint folder', () => {
  const engine = new EngineProcess({ modelDirs: [folder], provider: 'cpu', log: () => undefined })
  let context: Uint8Array
  beforeAll(async () => {
    context = new Uint8Array(
      await sharp({ create: { width: 32, height: 32, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer(),
    )
    await engine.start()
  })
  afterAll(async () => {
    await engine.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the folder as a model with FLUX.1’s defaults', async () => {
    const d = await engine.describe()
    expect(d.models.map((m) => m.id)).toEqual(['flux-tiny'])
    expect(d.models[0]).toMatchObject({ defaultSteps: 28, defaultGuidance: 2.5, vocabulary: null, resolutions: [[32, 32]] })
  })

  it('runs an edit with one progress event per step, a preview at once, and a PNG carrying its parameters', async () => {
    const steps: number[] = []
    const previews: number[] = []
    const r = await engine.run(
      { model: 'flux-tiny', prompt: 'a red cat', contexts: [context], seed: 3, steps: 3, guidance: 2.5 },
      { onProgress: (p) => (steps.push(p.step), p.previewPng && previews.push(p.step)) },
    )
    expect([r.width, r.height]).toEqual([32, 32])
    expect(steps).toEqual([1, 2, 3])
    expect(previews[0]).toBe(1)
    expect(previews).not.toContain(3)
    expect(readPngText(r.png)).toMatchObject({ model: 'flux-tiny', prompt: 'a red cat', seed: '3', steps: '3' })
  }, 300_000)

  it('cancels a long job at its next step', async () => {
    const abort = new AbortController()
    const seen: number[] = []
    const run = engine.run(
      { model: 'flux-tiny', prompt: 'a red cat', contexts: [context], seed: 4, steps: SAMPLING_LIMITS.steps.max, guidance: 2.5 },
      { signal: abort.signal, onProgress: (p) => (seen.push(p.step), p.step === 2 && abort.abort()) },
    )
    await expect(run).rejects.toMatchObject({ code: 'job.cancelled' })
    expect(seen.length).toBeLessThan(SAMPLING_LIMITS.steps.max)
  }, 300_000)
})

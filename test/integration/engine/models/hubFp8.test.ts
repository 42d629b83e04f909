/**
 * The fp8 download plan: where the repository offers an fp8 transformer (the imitation hub serves
 * one here, ComfyUI-style scaled e4m3fn, beside the bf16 file), `--precision fp8` fetches it
 * instead of the bf16 transformer and nothing else extra, and the result inspects as a complete
 * FLUX.1 Kontext folder in fp8; where it does not (the official repository's listing), the plan is
 * refused naming the missing file, before any byte is fetched.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLUX1_KONTEXT_DEV } from '../../../../engine/models/catalogue'
import { downloadModel } from '../../../../engine/models/hubDownload'
import { planHubDownload } from '../../../../engine/models/hubPlan'
import { readInstallRecord } from '../../../../engine/models/installRecord'
import { ModelStore } from '../../../../engine/models/store'
import { BUNDLED_CLIP_MERGES } from '../../../../engine/tokenizers/bundled'
import { inspectModelFolder } from '../../../../engine/weights/detect'
import { bflTransformerSpecs, TINY, writeCheckpoint } from '../../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../../support/fluxFolders'
import { ImitationHub } from '../../../support/imitationHub'

const work = mkdtempSync(join(tmpdir(), 'kontext-hub-fp8-'))
const FP8 = 'flux1-kontext-dev-fp8-e4m3fn-scaled.safetensors'
const entry = FLUX1_KONTEXT_DEV
let withFp8: ImitationHub
let bf16Only: ImitationHub

beforeAll(async () => {
  const a = writeOfficialRelease(join(work, 'with-fp8'))
  writeCheckpoint(join(a, FP8), bflTransformerSpecs(TINY.transformer), { dtype: 'F8_E4M3', fp8Scaled: true })
  const b = writeOfficialRelease(join(work, 'bf16-only'))
  for (const d of [a, b]) writeFileSync(join(d, 'LICENSE.md'), 'licence\n')
  withFp8 = new ImitationHub({ repo: entry.repo, folder: a, gated: false, grantedTokens: [] })
  bf16Only = new ImitationHub({ repo: entry.repo, folder: b, gated: false, grantedTokens: [] })
  await Promise.all([withFp8.start(), bf16Only.start()])
})
afterAll(async () => {
  await Promise.all([withFp8.close(), bf16Only.close()])
  rmSync(work, { recursive: true, force: true })
})

describe('the fp8 plan', () => {
  it('fetches the fp8 transformer instead of the bf16 one, and the folder is a complete fp8 model', async () => {
    const plan = await planHubDownload(entry, 'fp8', { hubUrl: withFp8.url })
    const paths = plan.files.map((f) => f.path)
    expect(paths).toContain(FP8)
    expect(paths).not.toContain('flux1-kontext-dev.safetensors')
    const store = new ModelStore(join(work, 'store'))
    const dir = await downloadModel(store, entry.id, entry, plan, { hubUrl: withFp8.url })
    expect(existsSync(join(dir, 'flux1-kontext-dev.safetensors'))).toBe(false)
    expect(withFp8.contentRequests('flux1-kontext-dev.safetensors')).toEqual([])
    const r = readInstallRecord(dir)
    expect(r.ok && r.record).toMatchObject({ state: 'installed', precision: 'fp8' })
    const inspected = inspectModelFolder(dir, { bundledClipMerges: BUNDLED_CLIP_MERGES })
    expect(inspected.usable, inspected.problems.join(' ')).toBe(true)
    expect(inspected.chosen.transformer?.files).toEqual([FP8])
    expect(inspected.chosen.transformer?.precision.label).toMatch(/fp8 e4m3fn with per-tensor scales/)
    expect(readdirSync(dir).sort()).toEqual(
      ['LICENSE.md', 'ae.safetensors', FP8, 'install.json', 'text_encoder', 'text_encoder_2', 'tokenizer', 'tokenizer_2'].sort(),
    )
  })

  it('is refused where the repository has no fp8 transformer, naming it, with nothing fetched', async () => {
    await expect(planHubDownload(entry, 'fp8', { hubUrl: bf16Only.url })).rejects.toThrow(
      /lacks what the fp8 download needs: \*kontext\*fp8\*\.safetensors \(the transformer in fp8 .*use bf16\)/,
    )
    expect(bf16Only.contentRequests('ae.safetensors')).toEqual([])
  })
})

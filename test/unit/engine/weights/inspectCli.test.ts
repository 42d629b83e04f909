import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../../fixtures/engine/runCli'
import { TINY } from '../../../support/fluxCheckpoints'
import { writeComfyFolder, writeOfficialRelease } from '../../../support/fluxFolders'

const tmp = mkdtempSync(join(tmpdir(), 'inspect-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('kontext models inspect', () => {
  it('prints each component of the official release with its layout, precision and files', async () => {
    writeOfficialRelease(join(tmp, 'release'))
    const r = await runCli(tmp, 'models', 'inspect', 'release')
    expect(r.code).toBe(0)
    expect(r.out).toContain('transformer   BFL layout, bf16 — flux1-kontext-dev.safetensors')
    expect(r.out).toContain('hidden 32, 2 heads of 16, 2 double + 2 single blocks, 64 input channels')
    expect(r.out).toContain('autoencoder   BFL layout, fp32 — ae.safetensors')
    expect(r.out).toContain('t5            transformers layout, bf16 — text_encoder_2/model.safetensors.index.json (+2 shards)')
    expect(r.out).toContain('tokenizers    CLIP: tokenizer/ · T5: tokenizer_2/')
    expect(r.out).toContain('All components found: `kontext edit --model DIR` builds the graphs from these files.')
  })

  it('says what an fp8 ComfyUI folder lacks and exits with the model code; --json carries the same', async () => {
    writeComfyFolder(join(tmp, 'comfy'), TINY, { fp8: true, fp8Scaled: true })
    const r = await runCli(tmp, 'models', 'inspect', 'comfy')
    expect(r.code).toBe(4)
    expect(r.out).toContain('fp8 e4m3fn with per-tensor scales')
    expect(r.out).toContain('CLIP: bundled CLIP-L merges · T5: not found')
    expect(r.out).toMatch(/Problems:\n {2}- No T5 tokenizer: copy the tokenizer_2\/ folder/)
    const j = await runCli(tmp, 'models', 'inspect', 'comfy', '--json')
    const parsed = JSON.parse(j.out) as {
      ok: boolean
      chosen: Record<string, { layout: string; files: string[]; precision: { main: string } }>
      problems: string[]
    }
    expect(parsed.ok).toBe(false)
    expect(parsed.chosen.transformer).toMatchObject({
      layout: 'bfl',
      files: ['diffusion_models/flux1-kontext-dev_fp8_e4m3fn.safetensors'],
      precision: { main: 'F8_E4M3' },
    })
    expect(parsed.problems).toHaveLength(1)
  })

  it('refuses a missing folder and a missing argument with what to pass', async () => {
    const none = await runCli(tmp, 'models', 'inspect', 'nowhere')
    expect(none.code).toBe(4)
    expect(none.err).toContain('nowhere: no such folder.')
    const usage = await runCli(tmp, 'models', 'inspect')
    expect(usage.code).toBe(2)
    expect(usage.err).toContain('kontext models inspect <folder>')
  })
})

/** Both manifests validate; a broken one reports every problem at once; graph I/O is checked by name, dtype and rank. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkGraphIo, loadManifest, parseManifest } from '../../../engine/manifest/validate'
import { repoRoot, tinyModelDir } from '../../fixtures/engine/paths'

const fluxRaw = JSON.parse(readFileSync(join(repoRoot, 'engine', 'manifests', 'flux1-kontext-dev.json'), 'utf8')) as Record<string, unknown>
const tinyRaw = JSON.parse(readFileSync(join(tinyModelDir, 'model.json'), 'utf8')) as Record<string, unknown>

describe('model manifests', () => {
  it('kontext-tiny loads from its folder, files included', () => {
    const m = loadManifest(tinyModelDir)
    if (!m.ok) throw new Error(m.error.message)
    expect(m.value.latent.normalisedInGraph).toBe(true)
    expect(m.value.schedule.mu).toEqual({ kind: 'constant', value: 0.5 })
    expect(m.value.guidance).toEqual({ mode: 'cfg', negative: 'allPad' })
    expect(m.value.components.transformer.inputs.imgIds.rank).toBe(2)
  })

  it('flux1-kontext-dev describes the FLUX.1 Kontext [dev] export', () => {
    const m = parseManifest(fluxRaw)
    if (!m.ok) throw new Error(m.error.join('; '))
    const v = m.value
    expect(v.components.textEncoders.map((e) => [e.name, e.tokenizer.maxLength, e.tokenizer.padId])).toEqual([
      ['t5', 512, 0],
      ['clip', 77, 49407],
    ])
    expect(v.components.transformer.inputs.guidance?.name).toBe('guidance')
    expect(v.components.transformer.inputs.imgIds).toEqual({ name: 'img_ids', dtype: 'float32', rank: 2 })
    expect([v.latent.scale, v.latent.shift, v.latent.normalisedInGraph]).toEqual([0.3611, 0.1159, false])
    expect(v.schedule.mu).toEqual({ kind: 'linear', baseSeqLen: 256, baseShift: 0.5, maxSeqLen: 4096, maxShift: 1.15 })
    expect(v.defaults).toEqual({ steps: 28, guidance: 2.5 })
    expect(v.rope.axes).toEqual([16, 56, 56])
    expect(v.resolutions).toHaveLength(17)
    expect(v.resolutions).toContainEqual([1024, 1024])
  })

  it('reports every problem of a broken manifest at once', () => {
    const broken = structuredClone(tinyRaw) as {
      latent: Record<string, unknown>
      guidance: Record<string, unknown>
      resolutions: unknown
      defaults: Record<string, unknown>
    }
    broken.latent.channels = -1
    broken.defaults.steps = 0
    broken.guidance = { mode: 'embedded' }
    broken.resolutions = [[60, 64]]
    const first = parseManifest(broken)
    expect(first.ok).toBe(false)
    if (!first.ok) expect(first.error.length).toBeGreaterThanOrEqual(2) // schema problems together
    broken.latent.channels = 16
    broken.defaults.steps = 28
    const second = parseManifest(broken)
    if (second.ok) throw new Error('should fail')
    expect(second.error).toEqual(
      expect.arrayContaining([
        expect.stringContaining('guidance mode `embedded` needs'),
        expect.stringContaining('resolution 60×64 is not a multiple of 16'),
      ]),
    )
  })

  it('names the missing graph input and what the graph has instead', () => {
    const spec = {
      file: 'transformer.onnx',
      inputs: { imgIds: { name: 'img_ids', dtype: 'float32' as const, rank: 2 } },
      outputs: { velocity: { name: 'pred', dtype: 'float32' as const, rank: 3 } },
    }
    const problems = checkGraphIo(spec, {
      inputs: [{ name: 'img_ids_2d', dtype: 'float32', rank: 2 }],
      outputs: [{ name: 'pred', dtype: 'float16', rank: 3 }],
    })
    expect(problems).toEqual([
      'transformer.onnx: input `img_ids` (imgIds) missing; found `img_ids_2d`',
      'transformer.onnx: graph input `img_ids_2d` is not in the manifest (the engine could not feed it)',
      'transformer.onnx: output `pred` is float16, the manifest says float32',
    ])
  })

  it('refuses a folder without model.json', () => {
    const none = loadManifest(repoRoot)
    expect(none).toMatchObject({ ok: false, error: { code: 'model.notFound' } })
  })
})

/**
 * `planFit` through the studio's engine process, on small random FLUX checkpoints: the plan per
 * phase for the size snapped to the model's resolutions, priced for the weights each model is
 * installed with — the int8 twin's saving is exactly what the quantiser writes for the graphs the
 * engine builds — the ways to fit, the bundled manifest model answered "not planned", and bad
 * requests refused with a message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelFit } from '../../../core/contract/modelFit'
import { buildComponent } from '../../../engine/graph/components'
import { linkFolder } from '../../../engine/models/linkFolder'
import { ModelStore } from '../../../engine/models/store'
import { openCheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { componentSource, folderGraphSettings } from '../../../engine/pipeline/checkpointModels'
import { quantiseModel } from '../../../engine/quantise/quantiseGraph'
import { QUANTISE_SETTINGS } from '../../../engine/quantise/modes'
import { openComponent } from '../../../engine/weights/index'
import { EngineProcess } from '../../../main/services/engineProcess'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'

const dir = mkdtempSync(join(tmpdir(), 'kontext-planfit-'))
const folder = join(dir, 'flux-tiny')
writeOfficialRelease(folder, TINY)
writeFileSync(
  join(folder, 'kontext.json'),
  JSON.stringify({
    id: 'flux-tiny',
    rope: { axes: [4, 6, 6], theta: 10000 },
    clipHeads: 2,
    resolutions: [
      [48, 32],
      [32, 32],
    ],
  }),
)
const store = new ModelStore(join(dir, 'store'))
linkFolder(store, 'flux-tiny-int8', folder, { quantise: 'int8' })
const tiny = resolve(import.meta.dirname, '../../../assets/models/kontext-tiny')

/**
 * What the quantiser really saves on the checkpoint's weights in one graph the engine builds from
 * the folder: each weight's float32 bytes minus its MatMulNBits initializers' bytes, read back from
 * the quantised model. (The pass also takes the transformer's RoPE frequency constant, a
 * MatMul's [3, n] B built by the graph, not a checkpoint weight, so the plan leaves it out.)
 */
function savedByQuantiser(component: 'clip' | 't5' | 'transformer'): number {
  const ck = openCheckpointFolder(folder)
  if (!ck.ok) throw new Error(ck.error.message)
  const found = ck.value.parts[component]
  const reader = openComponent(found)
  try {
    // Built as the engine builds a quantised model: every weight laid out by the builder.
    const g = buildComponent(component, componentSource(found, reader, { inPlace: false }), folderGraphSettings(ck.value)).graph
    const inits = onnxProto.onnx.ModelProto.decode(quantiseModel(g.toBytes(), QUANTISE_SETTINGS.int8).bytes).graph!.initializer!
    const size = (name: string) => {
      const t = inits.find((x) => x.name === name)!
      return (t.dims ?? []).reduce<number>((a, d) => a * Number(d), 1) * (t.dataType === 1 ? 4 : 1)
    }
    let saved = 0
    let quantised = 0
    for (const [name, info] of found.tensors)
      if (inits.some((x) => x.name === `${name}.q8`)) {
        quantised++
        saved += 4 * info.shape.reduce((a, b) => a * b, 1) - size(`${name}.q8`) - size(`${name}.scales`) - size(`${name}.zero_points`)
      }
    expect(quantised, component).toBeGreaterThan(0)
    return saved
  } finally {
    reader.close()
  }
}

describe('planFit in the engine process', () => {
  const engine = new EngineProcess({ modelDirs: [folder, store.dirOf('flux-tiny-int8'), tiny], provider: 'cpu', log: () => undefined })
  beforeAll(() => engine.start())
  afterAll(async () => {
    await engine.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const weights = (f: ModelFit, g: string) => f.graphs.find((x) => x.graph === g)!.weightBytes

  it('plans the job phase by phase at the snapped size, with a verdict and the ways to fit', async () => {
    const f = await engine.planFit({ model: 'flux-tiny', width: 50, height: 30, refs: 1 })
    expect(f).toMatchObject({ model: 'flux-tiny', applies: true, width: 48, height: 32, refs: 1, weights: 'float32' })
    expect(f.phases.map((p) => p.phase)).toEqual(['text', 'encode', 'denoise', 'decode'])
    expect(f.phases.find((p) => p.phase === 'text')!.weightBytes).toBe(weights(f, 'clip') + weights(f, 't5'))
    expect(f.peakBytes).toBe(Math.max(...f.phases.map((p) => p.peakBytes)))
    expect(f.freeBytes).toBeGreaterThan(0)
    expect(['all-loaded', 'sequential', 'does-not-fit']).toContain(f.mode)
    expect(f.verdict).toMatch(/^A 48×32 job with 1 reference image /)
    expect(f.ways.map((w) => w.kind)).toEqual(['size', 'refs', 'sequential', 'int8', 'int4', 'float16'])
    expect(f.ways.find((w) => w.kind === 'size')!.effect).toMatch(/^32×32 instead of 48×32/)
    expect(f.ways.find((w) => w.kind === 'float16')!.available).toBe(false)
    // No references: no encoding phase.
    const none = await engine.planFit({ model: 'flux-tiny', width: 48, height: 32, refs: 0 })
    expect(none.phases.map((p) => p.phase)).toEqual(['text', 'denoise', 'decode'])
  }, 120_000)

  it('a model imported with int8 is planned with the bytes the quantiser writes for its graphs', async () => {
    const float = await engine.planFit({ model: 'flux-tiny', width: 48, height: 32, refs: 1 })
    const q = await engine.planFit({ model: 'flux-tiny-int8', width: 48, height: 32, refs: 1 })
    expect(q.weights).toBe('int8')
    for (const g of ['clip', 't5', 'transformer'] as const) expect(weights(float, g) - weights(q, g), g).toBe(savedByQuantiser(g))
    for (const g of ['ae-encode', 'ae-decode']) expect(weights(q, g)).toBe(weights(float, g))
    expect(q.ways.map((w) => w.kind)).not.toContain('int8')
    // The int8 way of the float model is priced like the int8 model's own plan.
    expect(float.ways.find((w) => w.kind === 'int8')!.peakBytes).toBe(q.peakBytes)
  }, 120_000)

  it('the bundled manifest model: not planned, with the reason; bad requests refused', async () => {
    const t = await engine.planFit({ model: 'kontext-tiny', width: 64, height: 64, refs: 0 })
    expect(t).toMatchObject({ applies: false, mode: 'not-planned', ways: [] })
    expect(t.note).toContain('FLUX checkpoint folders')
    await expect(engine.planFit({ model: 'nope', width: 64, height: 64, refs: 0 })).rejects.toMatchObject({ code: 'model.unknown' })
    await expect(engine.planFit({ model: 'flux-tiny', width: 0, height: 64, refs: 0 })).rejects.toMatchObject({
      code: 'engine.badMessage',
    })
    await expect(engine.planFit({ model: 'flux-tiny', width: 64, height: 64, refs: 99 })).rejects.toMatchObject({
      message: expect.stringContaining('fit.refs'),
    })
  }, 60_000)
})

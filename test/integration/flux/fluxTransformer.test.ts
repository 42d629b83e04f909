/**
 * Conformance: the FLUX transformer graph the engine builds from a checkpoint in BFL's layout
 * gives the same `pred` as the PyTorch reference in training/flux_reference/ (written from BFL's
 * architecture), to 1e-4 in float32 — with the fused attention op and with the explicit one, for
 * text-to-image and for an edit whose context tokens sit at index 1 after the target's.
 * The reference runs where a Python with torch exists, and the file says so in one line where none does.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer, type BuiltGraph } from '../../../engine/graph/flux/fluxTransformer'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { openGraphBytes, type TensorData } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors, type F32Tensor } from '../../support/f32Safetensors'
import { fluxCaseInputs, type FluxCase } from '../../support/fluxInputs'

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`FLUX transformer conformance not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const CASES: FluxCase[] = [
  { name: 'text-to-image', batch: 1, txtLen: 7, target: [4, 4], timesteps: [0.7], guidance: [2.5] },
  {
    name: 'edit with context at index 1',
    batch: 2,
    txtLen: 5,
    target: [3, 4],
    context: [3, 4],
    timesteps: [0.31, 0.95],
    guidance: [3.5, 1],
  },
]

const TOL = 1e-4
const weights = randomFluxCheckpoint(TINY_FLUX, 13)
const source = memoryTensorSource(weights)
const rope = { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta }

async function runGraph(graph: BuiltGraph, feeds: Record<string, TensorData>): Promise<TensorData> {
  const session = await openGraphBytes(graph.graph.toBytes(), 'flux-transformer', { intraOpThreads: 1 })
  try {
    const out = await session.run(feeds)
    return out.pred!
  } finally {
    await session.release()
  }
}

const asF32 = (t: TensorData): F32Tensor => ({ shape: t.dims, data: t.data as Float32Array })

describe.runIf(found.python)('FLUX transformer graph vs the PyTorch reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-flux-'))
  const graphs = {
    fused: buildFluxTransformer(source, { rope, attention: 'fused' }),
    explicit: buildFluxTransformer(source, { rope, attention: 'explicit' }),
  }
  const reference = new Map<string, Float32Array>()
  const inputs = CASES.map((c, i) => fluxCaseInputs(TINY_FLUX, c, 100 + i))

  beforeAll(() => {
    writeFileSync(join(dir, 'params.json'), JSON.stringify(TINY_FLUX))
    writeF32Safetensors(join(dir, 'weights.safetensors'), weights)
    CASES.forEach((c, i) => {
      const inPath = join(dir, `in${i}.safetensors`)
      const outPath = join(dir, `out${i}.safetensors`)
      writeF32Safetensors(inPath, new Map(Object.entries(inputs[i]!).map(([k, v]) => [k, asF32(v)])))
      const script = join(repoRoot, 'training', 'flux_reference', 'run_transformer.py')
      const args = [script, '--params', join(dir, 'params.json'), '--weights', join(dir, 'weights.safetensors')]
      const r = spawnSync(found.python!, [...args, '--inputs', inPath, '--out', outPath], { encoding: 'utf8' })
      if (r.status !== 0) throw new Error(`reference failed for ${c.name}: ${r.stderr.slice(-2000)}`)
      reference.set(c.name, readF32Safetensors(outPath).get('pred')!.data)
    })
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the architecture from the tensor shapes', () => {
    const s = graphs.fused.sizes
    expect([s.hidden, s.heads, s.headDim, s.mlpHidden, s.depth, s.depthSingle]).toEqual([64, 2, 32, 256, 2, 2])
    expect([s.inChannels, s.outChannels, s.contextInDim, s.vecInDim, s.guidanceEmbed]).toEqual([16, 16, 24, 12, true])
    expect(graphs.fused.inputs).toEqual(['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y', 'guidance'])
  })

  for (const kind of ['fused', 'explicit'] as const)
    CASES.forEach((c, i) => {
      it(`${kind} attention, ${c.name}: pred matches to ${TOL}`, async () => {
        const pred = await runGraph(graphs[kind], inputs[i]!)
        const n = c.target[0] * c.target[1] + (c.context ? c.context[0] * c.context[1] : 0)
        expect(pred.dims).toEqual([c.batch, n, TINY_FLUX.out_channels])
        const ref = reference.get(c.name)!
        const err = maxAbs(pred.data as Float32Array, ref)
        console.log(`flux conformance (${kind}, ${c.name}): max |engine − reference| = ${err.toExponential(2)}`)
        // The outputs are O(1): a tolerance of 1e-4 is not met by accident.
        expect(maxAbs(ref, new Float32Array(ref.length))).toBeGreaterThan(0.1)
        expect(err).toBeLessThan(TOL)
      })
    })

  it('the context tokens’ index-1 position changes the target’s prediction (so the test can see it)', async () => {
    const c = CASES[1]!
    const feeds = inputs[1]!
    const ids = Float32Array.from(feeds.img_ids!.data as Float32Array)
    for (let t = 0; t < ids.length; t += 3) ids[t] = 0
    const moved = await runGraph(graphs.fused, { ...feeds, img_ids: { ...feeds.img_ids!, data: ids } as TensorData })
    const nTarget = c.target[0] * c.target[1]
    const n = nTarget + c.context![0] * c.context![1]
    const ref = reference.get(c.name)!
    let diff = 0
    for (let b = 0; b < c.batch; b++)
      for (let j = 0; j < nTarget * TINY_FLUX.out_channels; j++) {
        const k = b * n * TINY_FLUX.out_channels + j
        diff = Math.max(diff, Math.abs((moved.data as Float32Array)[k]! - ref[k]!))
      }
    expect(diff).toBeGreaterThan(100 * TOL)
  })
})

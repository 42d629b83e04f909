/**
 * The float16 (mixed-precision) FLUX transformer graph: its weights really are float16, it keeps
 * float32 at its inputs and output, and on the CPU provider (which runs fp16 graphs behind casts
 * onnxruntime inserts) its `pred` stays within a relative tolerance of the float32 graph and of
 * the PyTorch reference (training/flux_reference/). The figures are printed; measured on this
 * checkpoint: 4.4e-4 of the output's scale for both (4.3e-4 on the full-width twin); the tolerance is 2e-3.
 *
 * `KONTEXT_FLUX_TWIN=full` runs the same on FLUX.1's full widths with one block of each kind
 * (random weights; 2.2 GB float32, 1.1 GB float16; graphs go through external-data files).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer, type BuiltGraph } from '../../../engine/graph/flux/fluxTransformer'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { writeGraphFiles } from '../../../engine/graph/graphFiles'
import { SessionPool, type TensorData } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { FLUX1_WIDTH_TWIN, randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors, type F32Tensor } from '../../support/f32Safetensors'
import { fluxCaseInputs, type FluxCase } from '../../support/fluxInputs'

const FULL = process.env.KONTEXT_FLUX_TWIN === 'full'
const P = FULL ? FLUX1_WIDTH_TWIN : TINY_FLUX
const weights = randomFluxCheckpoint(P, 13)
const source = memoryTensorSource(weights)
const rope = { axesDim: P.axes_dim, theta: P.theta }
const CASE: FluxCase = { name: 'edit', batch: 2, txtLen: 5, target: [3, 4], context: [3, 4], timesteps: [0.31, 0.95], guidance: [3.5, 1] }
const feeds = fluxCaseInputs(P, CASE, 101)

/** max |a − b| over the output's scale (max |b|). */
const relErr = (a: Float32Array, b: Float32Array): number => maxAbs(a, b) / maxAbs(b, new Float32Array(b.length))
const REL_TOL = 2e-3

const work = mkdtempSync(join(tmpdir(), 'kontext-flux16-'))
const modelFile = new Map<BuiltGraph, string>()

/** Writes the graph as files (external data: the full-width float32 graph is past protobuf's 2 GB) and runs it. */
async function predOf(g: BuiltGraph, name: string): Promise<Float32Array> {
  const dir = join(work, name)
  mkdirSync(dir)
  const files = writeGraphFiles(g.graph, dir, 'transformer')
  modelFile.set(g, files.model)
  const pool = new SessionPool({ provider: 'cpu' })
  try {
    const s = await pool.get('flux16', name, files.model)
    return (await s.run(feeds)).pred!.data as Float32Array
  } finally {
    await pool.release()
  }
}

const ELEM = onnxProto.onnx.TensorProto.DataType
/** The graph file (weights in the external data file; their types are in the graph). */
const decoded = (g: BuiltGraph) => onnxProto.onnx.ModelProto.decode(readFileSync(modelFile.get(g)!)).graph!

describe('the float16 FLUX transformer graph', () => {
  const f32 = buildFluxTransformer(source, { rope })
  const f16 = {
    fused: buildFluxTransformer(source, { rope, precision: 'float16' }),
    explicit: buildFluxTransformer(source, { rope, precision: 'float16', attention: 'explicit' }),
  }
  const preds = new Map<string, Float32Array>()

  beforeAll(async () => {
    preds.set('float32', await predOf(f32, 'float32'))
    for (const [k, g] of Object.entries(f16)) preds.set(k, await predOf(g, k))
  }, 1_200_000)
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  it('holds its Linear weights as float16 and keeps float32 at its inputs and output', () => {
    const g = decoded(f16.fused)
    const types = new Map(g.initializer!.map((t) => [t.name!, t.dataType]))
    for (const name of [
      'img_in.weight',
      'double_blocks.0.img_attn.qkv.weight',
      'double_blocks.0.txt_mlp.2.weight',
      'single_blocks.0.linear1.weight',
      'single_blocks.0.modulation.lin.weight',
      'final_layer.linear.weight',
    ])
      expect([name, types.get(name)]).toEqual([name, ELEM.FLOAT16])
    // The q/k norms run in float32 (so do RoPE and the sinusoidal embeddings: constants, not weights).
    expect(types.get('double_blocks.0.img_attn.norm.query_norm.scale')).toBe(ELEM.FLOAT)
    for (const v of [...g.input!, ...g.output!]) expect([v.name, v.type!.tensorType!.elemType]).toEqual([v.name, ELEM.FLOAT])
    // About half the float32 graph's bytes: everything but the norm scales is 16-bit.
    const s16 = f16.fused.graph.stats
    expect(s16.float16Bytes / s16.weightBytes).toBeGreaterThan(0.95)
    expect(s16.weightBytes / f32.graph.stats.weightBytes).toBeLessThan(0.52)
    expect(decoded(f32).initializer!.some((t) => t.dataType === ELEM.FLOAT16)).toBe(false)
    expect(f32.graph.stats.float16Bytes).toBe(0)
  })

  it('counts what converting the weights lost (nothing here: the random weights are within fp16’s range)', () => {
    expect(f16.fused.graph.fp16Counts).toMatchObject({ clamped: 0, nonFinite: 0 })
    const halfWeights = decoded(f16.fused).initializer!.filter((t) => t.dataType === ELEM.FLOAT16 && !t.name!.includes('const_f16'))
    const values = halfWeights.reduce((n, t) => n + t.dims!.reduce((a, b) => a * Number(b), 1), 0)
    expect(f16.fused.graph.fp16Counts.values).toBe(values)
  })

  for (const kind of ['fused', 'explicit'] as const)
    it(`${kind} attention: pred within ${REL_TOL} of the float32 graph’s scale, and not equal to it`, () => {
      const a = preds.get(kind)!
      const b = preds.get('float32')!
      const err = relErr(a, b)
      console.log(`flux fp16${FULL ? ' [full-width twin]' : ''} (${kind}) vs float32 graph: max |Δ| / max |pred| = ${err.toExponential(2)}`)
      expect(err).toBeLessThan(REL_TOL)
      // Really computed in 16 bits: float32 would agree to ~1e-6.
      expect(err).toBeGreaterThan(1e-5)
    })

  const found = findPython(['torch', 'numpy'])
  if (!found.python) console.log(`fp16 FLUX vs the PyTorch reference not run: ${found.why}`)
  describe.runIf(found.python)('vs the PyTorch reference', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kontext-flux16-ref-'))
    let ref: Float32Array = new Float32Array()
    beforeAll(() => {
      writeFileSync(join(dir, 'params.json'), JSON.stringify(P))
      writeF32Safetensors(join(dir, 'weights.safetensors'), weights)
      const asF32 = (t: TensorData): F32Tensor => ({ shape: t.dims, data: t.data as Float32Array })
      writeF32Safetensors(join(dir, 'in.safetensors'), new Map(Object.entries(feeds).map(([k, v]) => [k, asF32(v)])))
      const script = join(repoRoot, 'training', 'flux_reference', 'run_transformer.py')
      const args = [script, '--params', join(dir, 'params.json'), '--weights', join(dir, 'weights.safetensors')]
      const r = spawnSync(found.python!, [...args, '--inputs', join(dir, 'in.safetensors'), '--out', join(dir, 'out.safetensors')], {
        encoding: 'utf8',
      })
      if (r.status !== 0) throw new Error(`reference failed: ${r.stderr.slice(-2000)}`)
      ref = readF32Safetensors(join(dir, 'out.safetensors')).get('pred')!.data
    }, 600_000)
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    it(`fused attention: pred within ${REL_TOL} of the reference’s scale`, () => {
      const err = relErr(preds.get('fused')!, ref)
      console.log(
        `flux fp16${FULL ? ' [full-width twin]' : ''} (fused) vs PyTorch float32 reference: max |Δ| / max |pred| = ${err.toExponential(2)}`,
      )
      expect(maxAbs(ref, new Float32Array(ref.length))).toBeGreaterThan(0.1)
      expect(err).toBeLessThan(REL_TOL)
    })
  })
})

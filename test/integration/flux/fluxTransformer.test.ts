/**
 * Conformance: the FLUX transformer graph the engine builds from a checkpoint in BFL's layout
 * gives the same `pred` as the PyTorch reference in training/flux_reference/ (written from BFL's
 * architecture), to 1e-4 in float32 — with the fused attention op and with the explicit one, for
 * text-to-image and for an edit whose context tokens sit at index 1 after the target's.
 * The reference runs where a Python with torch exists, and the file says so in one line where none does.
 *
 * `KONTEXT_FLUX_TWIN=full` runs the same cases on FLUX.1's full widths with one block of each kind
 * (2.2 GB of float32 weights, the largest process ~4.6 GB resident; graphs go through external-data files).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer, type BuiltGraph } from '../../../engine/graph/flux/fluxTransformer'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { writeGraphFiles } from '../../../engine/graph/graphFiles'
import { openGraphBytes, SessionPool, type LoadedSession, type TensorData } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { FLUX1_WIDTH_TWIN, randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
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
const FULL = process.env.KONTEXT_FLUX_TWIN === 'full'
const P = FULL ? FLUX1_WIDTH_TWIN : TINY_FLUX
const weights = randomFluxCheckpoint(P, 13)
const source = memoryTensorSource(weights)
const rope = { axesDim: P.axes_dim, theta: P.theta }

/** One session open at a time (a full-width twin's weights are gigabytes). */
let open: { graph: BuiltGraph; session: LoadedSession; release: () => Promise<unknown> } | null = null
async function runGraph(graph: BuiltGraph, feeds: Record<string, TensorData>, dir: string): Promise<TensorData> {
  if (open?.graph !== graph) {
    await open?.release()
    open = null
    if (FULL) {
      const pool = new SessionPool({ provider: 'cpu' })
      const files = writeGraphFiles(graph.graph, dir, 'transformer')
      open = { graph, session: await pool.get('twin', 'transformer', files.model), release: () => pool.release() }
    } else {
      const s = await openGraphBytes(graph.graph.toBytes(), 'flux-transformer', { intraOpThreads: 1 })
      open = { graph, session: s, release: () => s.release() }
    }
  }
  return (await open.session.run(feeds)).pred!
}

const asF32 = (t: TensorData): F32Tensor => ({ shape: t.dims, data: t.data as Float32Array })

describe.runIf(found.python)('FLUX transformer graph vs the PyTorch reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-flux-'))
  const graphs = {
    fused: buildFluxTransformer(source, { rope, attention: 'fused' }),
    explicit: buildFluxTransformer(source, { rope, attention: 'explicit' }),
  }
  const reference = new Map<string, Float32Array>()
  const inputs = CASES.map((c, i) => fluxCaseInputs(P, c, 100 + i))

  beforeAll(() => {
    writeFileSync(join(dir, 'params.json'), JSON.stringify(P))
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
  }, 600_000)
  afterAll(async () => {
    await open?.release()
    rmSync(dir, { recursive: true, force: true })
  })

  it('reads the architecture from the tensor shapes', () => {
    const s = graphs.fused.sizes
    expect([s.hidden, s.heads, s.headDim, s.mlpHidden, s.depth, s.depthSingle]).toEqual([
      P.hidden_size,
      P.num_heads,
      P.hidden_size / P.num_heads,
      P.hidden_size * P.mlp_ratio,
      P.depth,
      P.depth_single_blocks,
    ])
    expect([s.inChannels, s.outChannels, s.contextInDim, s.vecInDim, s.guidanceEmbed]).toEqual([
      P.in_channels,
      P.out_channels,
      P.context_in_dim,
      P.vec_in_dim,
      P.guidance_embed,
    ])
    expect(graphs.fused.inputs).toEqual(['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y', 'guidance'])
  })

  for (const kind of ['fused', 'explicit'] as const)
    CASES.forEach((c, i) => {
      it(`${kind} attention, ${c.name}: pred matches to ${TOL}`, async () => {
        const pred = await runGraph(graphs[kind], inputs[i]!, dir)
        const n = c.target[0] * c.target[1] + (c.context ? c.context[0] * c.context[1] : 0)
        expect(pred.dims).toEqual([c.batch, n, P.out_channels])
        const ref = reference.get(c.name)!
        const err = maxAbs(pred.data as Float32Array, ref)
        console.log(
          `flux conformance${FULL ? ' [full-width twin]' : ''} (${kind}, ${c.name}): max |engine − reference| = ${err.toExponential(2)}`,
        )
        // The outputs are O(1): a tolerance of 1e-4 is not met by accident.
        expect(maxAbs(ref, new Float32Array(ref.length))).toBeGreaterThan(0.1)
        expect(err).toBeLessThan(TOL)
      }, 600_000)
    })

  it('the context tokens’ index-1 position changes the target’s prediction (so the test can see it)', async () => {
    const c = CASES[1]!
    const feeds = inputs[1]!
    const ids = Float32Array.from(feeds.img_ids!.data as Float32Array)
    for (let t = 0; t < ids.length; t += 3) ids[t] = 0
    // The explicit graph is the one still open after the cases above (no reload at full width).
    const moved = await runGraph(graphs.explicit, { ...feeds, img_ids: { ...feeds.img_ids!, data: ids } as TensorData }, dir)
    const nTarget = c.target[0] * c.target[1]
    const n = nTarget + c.context![0] * c.context![1]
    const ref = reference.get(c.name)!
    let diff = 0
    for (let b = 0; b < c.batch; b++)
      for (let j = 0; j < nTarget * P.out_channels; j++) {
        const k = b * n * P.out_channels + j
        diff = Math.max(diff, Math.abs((moved.data as Float32Array)[k]! - ref[k]!))
      }
    expect(diff).toBeGreaterThan(100 * TOL)
  }, 600_000)
})

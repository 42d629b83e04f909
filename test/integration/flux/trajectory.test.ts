/**
 * Conformance over a whole sampling trajectory: the engine's schedule (FLUX's resolution-
 * dependent shift), packing, ids (context at index 1), guidance embedding and Euler steps,
 * driving the built transformer graph, follow BFL's sampler in the PyTorch reference
 * (training/flux_reference/sample.py) step by step to 1e-4. Runs where a Python with torch exists.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer } from '../../../engine/graph/flux/fluxTransformer'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { eulerStep } from '../../../engine/math/euler'
import { packLatent, unpackTokens } from '../../../engine/math/packing'
import { concatIds, imageIds, textIds } from '../../../engine/math/positionIds'
import { flowMatchSchedule, type MuRule } from '../../../engine/math/schedule'
import { openGraphBytes, type TensorData } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { randomArray, randomFluxCheckpoint, seededUniform, TINY_FLUX } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors } from '../../support/f32Safetensors'

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`FLUX trajectory conformance not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const FLUX_MU: MuRule = { kind: 'linear', baseSeqLen: 256, baseShift: 0.5, maxSeqLen: 4096, maxShift: 1.15 }
const STEPS = 4
const GUIDANCE = 2.5
const C = TINY_FLUX.in_channels / 4
const [H, W] = [8, 12] // latent pixels: a 4×6 token grid
const TXT = 6

describe.runIf(found.python)('a FLUX Kontext edit trajectory vs BFL’s sampler in the reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-traj-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(`${STEPS} Euler steps with context tokens at index 1 match step by step to 1e-4`, async () => {
    const weights = randomFluxCheckpoint(TINY_FLUX, 17)
    const rand = seededUniform(99)
    const noise = randomArray(rand, C * H * W, 1.7)
    const context = randomArray(rand, C * H * W, 1.2)
    const txt = randomArray(rand, TXT * TINY_FLUX.context_in_dim, 1.5)
    const y = randomArray(rand, TINY_FLUX.vec_in_dim, 1.5)

    writeFileSync(join(dir, 'params.json'), JSON.stringify(TINY_FLUX))
    writeF32Safetensors(join(dir, 'w.safetensors'), weights)
    writeF32Safetensors(
      join(dir, 'in.safetensors'),
      new Map([
        ['noise', { shape: [1, C, H, W], data: noise }],
        ['context', { shape: [1, C, H, W], data: context }],
        ['txt', { shape: [1, TXT, TINY_FLUX.context_in_dim], data: txt }],
        ['y', { shape: [1, TINY_FLUX.vec_in_dim], data: y }],
      ]),
    )
    const script = join(repoRoot, 'training', 'flux_reference', 'sample.py')
    const files = ['--params', join(dir, 'params.json'), '--weights', join(dir, 'w.safetensors'), '--inputs', join(dir, 'in.safetensors')]
    const r = spawnSync(
      found.python!,
      [script, ...files, '--steps', String(STEPS), '--guidance', String(GUIDANCE), '--out', join(dir, 'out.safetensors')],
      {
        encoding: 'utf8',
      },
    )
    expect(r.status, r.stderr.slice(-2000)).toBe(0)
    const ref = readF32Safetensors(join(dir, 'out.safetensors'))

    const target = packLatent({ data: noise, channels: C, height: H, width: W })
    const ctx = packLatent({ data: context, channels: C, height: H, width: W })
    const schedule = flowMatchSchedule(STEPS, target.count, FLUX_MU)
    expect(maxAbs(schedule, ref.get('timesteps')!.data)).toBeLessThan(1e-6)

    const [rows, cols] = [H / 2, W / 2]
    const n = target.count + ctx.count
    const f = (data: Float32Array, dims: number[]): TensorData => ({ dtype: 'float32', data, dims })
    const fixed = {
      img_ids: f(concatIds([imageIds(rows, cols, 0), imageIds(rows, cols, 1)]), [1, n, 3]),
      txt: f(txt, [1, TXT, TINY_FLUX.context_in_dim]),
      txt_ids: f(textIds(TXT), [1, TXT, 3]),
      y: f(y, [1, TINY_FLUX.vec_in_dim]),
      guidance: f(Float32Array.of(GUIDANCE), [1]),
    }
    const graph = buildFluxTransformer(memoryTensorSource(weights), { rope: { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta } })
    const session = await openGraphBytes(graph.graph.toBytes(), 'flux', { intraOpThreads: 1 })
    try {
      let x = target.data
      for (let i = 0; i < STEPS; i++) {
        const img = new Float32Array(n * target.features)
        img.set(x)
        img.set(ctx.data, x.length)
        const out = await session.run({ ...fixed, img: f(img, [1, n, target.features]), timesteps: f(Float32Array.of(schedule[i]!), [1]) })
        x = eulerStep(x, out.pred!.data as Float32Array, schedule[i]!, schedule[i + 1]!)
        const latent = unpackTokens({ data: x, count: target.count, features: target.features }, C, H, W).data
        const err = maxAbs(latent, ref.get(`step_${i + 1}`)!.data)
        console.log(`flux trajectory step ${i + 1}/${STEPS}: max |engine − reference| = ${err.toExponential(2)}`)
        expect(err).toBeLessThan(1e-4)
      }
      // The trajectory moved: the final latent is far from the noise it started from.
      expect(maxAbs(x, target.data)).toBeGreaterThan(0.1)
    } finally {
      await session.release()
    }
  })
})

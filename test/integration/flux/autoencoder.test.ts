/**
 * Conformance: the autoencoder graphs the engine builds from an `ae.safetensors`-layout
 * checkpoint — the encoder returning scale·(mean − shift), the decoder taking z/scale + shift —
 * give the PyTorch reference's tensors (training/flux_reference/ae_model.py) to 1e-4 in float32,
 * with fused and explicit attention, on a non-square image. Runs where a Python with torch exists.
 * `KONTEXT_AE_TWIN=full` uses FLUX.1's own autoencoder sizes (84 M parameters) on a 64×48 image.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAeDecoder, buildAeEncoder } from '../../../engine/graph/ae/autoencoder'
import { memoryTensorSource } from '../../../engine/graph/tensorSource'
import { openGraphBytes, type TensorData } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { FLUX1_AE, randomAeCheckpoint, TINY_AE } from '../../support/aeCheckpoint'
import { randomArray, seededUniform } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors } from '../../support/f32Safetensors'

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`autoencoder conformance not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const TOL = 1e-4
const FULL = process.env.KONTEXT_AE_TWIN === 'full'
const P = FULL ? FLUX1_AE : TINY_AE
const B = 2
const [H, W] = FULL ? [64, 48] : [24, 16]
const F = 2 ** (P.ch_mult.length - 1)
const weights = randomAeCheckpoint(P, 21)
const source = memoryTensorSource(weights)
const scaling = { scale: P.scale_factor, shift: P.shift_factor }
const rand = seededUniform(5)
const zDims = [B, P.z_channels, H / F, W / F]
const x = randomArray(rand, B * 3 * H * W, 1)
const z = randomArray(
  rand,
  zDims.reduce((a, b) => a * b, 1),
  1.5,
)

async function run(bytes: Uint8Array, name: string, data: Float32Array, dims: number[]): Promise<TensorData> {
  const s = await openGraphBytes(bytes, 'flux-ae', { intraOpThreads: 1 })
  try {
    const out = await s.run({ [name]: { dtype: 'float32', data, dims } })
    return Object.values(out)[0]!
  } finally {
    await s.release()
  }
}

describe.runIf(found.python)('FLUX autoencoder graphs vs the PyTorch reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-ae-'))
  let ref: { z: Float32Array; x: Float32Array }

  beforeAll(() => {
    writeFileSync(join(dir, 'params.json'), JSON.stringify(P))
    writeF32Safetensors(join(dir, 'ae.safetensors'), weights)
    writeF32Safetensors(
      join(dir, 'in.safetensors'),
      new Map([
        ['x', { shape: [B, 3, H, W], data: x }],
        ['z', { shape: zDims, data: z }],
      ]),
    )
    const script = join(repoRoot, 'training', 'flux_reference', 'run_ae.py')
    const args = ['--params', join(dir, 'params.json'), '--weights', join(dir, 'ae.safetensors')]
    const r = spawnSync(found.python!, [script, ...args, '--inputs', join(dir, 'in.safetensors'), '--out', join(dir, 'out.safetensors')], {
      encoding: 'utf8',
    })
    if (r.status !== 0) throw new Error(`reference failed: ${r.stderr.slice(-2000)}`)
    const out = readF32Safetensors(join(dir, 'out.safetensors'))
    ref = { z: out.get('z')!.data, x: out.get('x')!.data }
  }, 600_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('reads the architecture from the tensor shapes', () => {
    const s = buildAeEncoder(source, { scaling }).sizes
    expect([s.levels, s.resBlocks, s.zChannels, s.factor, s.inChannels, s.outChannels]).toEqual([
      P.ch_mult.map((m) => m * P.ch),
      P.num_res_blocks,
      P.z_channels,
      F,
      P.in_channels,
      P.out_ch,
    ])
  })

  for (const attention of ['fused', 'explicit'] as const) {
    it(`${attention} attention: encode x → z (posterior mean, scaled and shifted) matches to ${TOL}`, async () => {
      const out = await run(buildAeEncoder(source, { scaling, attention }).graph.toBytes(), 'x', x, [B, 3, H, W])
      expect(out.dims).toEqual(zDims)
      const err = maxAbs(out.data as Float32Array, ref.z)
      console.log(
        `ae-encode conformance${FULL ? ' [FLUX.1 sizes]' : ''} (${attention}): max |engine − reference| = ${err.toExponential(2)}`,
      )
      expect(maxAbs(ref.z, new Float32Array(ref.z.length))).toBeGreaterThan(0.1)
      expect(err).toBeLessThan(TOL)
    }, 600_000)

    it(`${attention} attention: decode z → x matches to ${TOL}`, async () => {
      const out = await run(buildAeDecoder(source, { scaling, attention }).graph.toBytes(), 'z', z, zDims)
      expect(out.dims).toEqual([B, 3, H, W])
      const err = maxAbs(out.data as Float32Array, ref.x)
      console.log(
        `ae-decode conformance${FULL ? ' [FLUX.1 sizes]' : ''} (${attention}): max |engine − reference| = ${err.toExponential(2)}`,
      )
      expect(maxAbs(ref.x, new Float32Array(ref.x.length))).toBeGreaterThan(0.1)
      expect(err).toBeLessThan(TOL)
    }, 600_000)
  }
})

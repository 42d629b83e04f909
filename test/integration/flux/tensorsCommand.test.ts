/**
 * `kontext tensors --model DIR --component C --in IN --out OUT` on a folder of small random
 * checkpoints (the official release's shape) gives, for every component, what the PyTorch
 * reference gives on the same tensors (BFL's names in and out), to 1e-4 in float32.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GRAPH_COMPONENTS, type GraphComponent } from '../../../engine/graph/components'
import { openCheckpointFolder, type CheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { concatIds, imageIds, textIds } from '../../../engine/math/positionIds'
import { repoRoot } from '../../fixtures/engine/paths'
import { runCli } from '../../fixtures/engine/runCli'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { f32Tensors, referenceParams } from '../../support/componentTensors'
import { randomArray, seededUniform } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors, type F32Tensor } from '../../support/f32Safetensors'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`kontext tensors conformance not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2 }
const TOL = 1e-4
const dir = mkdtempSync(join(tmpdir(), 'kontext-tensors-'))
const folder = join(dir, 'release')
let ck: CheckpointFolder
const rand = seededUniform(77)
const t = TINY.transformer
const [rows, cols, ctxRows, ctxCols, T] = [3, 4, 3, 4, 6]
const n = rows * cols + ctxRows * ctxCols
const ids = (count: number, hi: number) => Float32Array.from({ length: count }, () => Math.floor(rand() * hi))

const INPUTS: Record<GraphComponent, Map<string, F32Tensor>> = {
  transformer: new Map([
    ['img', { shape: [1, n, t.inChannels], data: randomArray(rand, n * t.inChannels, 1.5) }],
    ['img_ids', { shape: [1, n, 3], data: concatIds([imageIds(rows, cols, 0), imageIds(ctxRows, ctxCols, 1)]) }],
    ['txt', { shape: [1, T, t.contextIn], data: randomArray(rand, T * t.contextIn, 1.5) }],
    ['txt_ids', { shape: [1, T, 3], data: textIds(T) }],
    ['timesteps', { shape: [1], data: Float32Array.of(0.62) }],
    ['y', { shape: [1, t.vecIn], data: randomArray(rand, t.vecIn, 1.5) }],
    ['guidance', { shape: [1], data: Float32Array.of(2.5) }],
  ]),
  'ae-encode': new Map([['x', { shape: [1, 3, 16, 24], data: randomArray(rand, 3 * 16 * 24, 1) }]]),
  'ae-decode': new Map([['z', { shape: [1, TINY.ae.zChannels, 8, 12], data: randomArray(rand, TINY.ae.zChannels * 96, 1.5) }]]),
  clip: new Map([
    ['input_ids', { shape: [1, 77], data: Float32Array.from([49406, ...ids(9, 40000), ...new Array<number>(67).fill(49407)]) }],
  ]),
  t5: new Map([['input_ids', { shape: [1, 40], data: ids(40, TINY.t5.vocab) }]]),
}

/** The reference's command line for each component. */
function reference(c: GraphComponent, inp: string, out: string): string[] {
  const ref = (s: string) => join(repoRoot, 'training', 'flux_reference', s)
  const w = (part: keyof CheckpointFolder['parts']) => join(dir, `${part}.safetensors`)
  switch (c) {
    case 'transformer':
      return [ref('run_transformer.py'), '--params', join(dir, 'flux.json'), '--weights', w('transformer'), '--inputs', inp, '--out', out]
    case 'ae-encode':
    case 'ae-decode':
      return [ref('run_ae.py'), '--params', join(dir, 'ae.json'), '--weights', w('autoencoder'), '--inputs', inp, '--out', out]
    case 'clip':
      return [ref('run_text.py'), '--model', 'clip', '--heads', '2', '--weights', w('clip'), '--inputs', inp, '--out', out]
    case 't5':
      return [ref('run_text.py'), '--model', 't5', '--weights', w('t5'), '--inputs', inp, '--out', out]
  }
}

describe.runIf(found.python)('kontext tensors vs the PyTorch references', () => {
  beforeAll(() => {
    writeOfficialRelease(folder, TINY)
    writeFileSync(join(folder, 'kontext.json'), JSON.stringify(CONFIG))
    const opened = openCheckpointFolder(folder)
    if (!opened.ok) throw new Error(opened.error.message)
    ck = opened.value
    for (const [part, c] of Object.entries(ck.parts)) writeF32Safetensors(join(dir, `${part}.safetensors`), f32Tensors(c))
    const p = referenceParams(TINY.transformer, TINY.ae, CONFIG.rope)
    writeFileSync(join(dir, 'flux.json'), JSON.stringify(p.flux))
    writeFileSync(join(dir, 'ae.json'), JSON.stringify(p.ae))
    mkdirSync(join(dir, 'io'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const c of GRAPH_COMPONENTS)
    it(`${c}: the engine's outputs match the reference's to ${TOL}`, async () => {
      const inp = join(dir, 'io', `${c}-in.safetensors`)
      writeF32Safetensors(inp, INPUTS[c])
      const r = await runCli(
        dir,
        'tensors',
        '--model',
        folder,
        '--component',
        c,
        '--in',
        inp,
        '--out',
        `io/${c}-engine.safetensors`,
        '--provider',
        'cpu',
      )
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      const refOut = join(dir, 'io', `${c}-ref.safetensors`)
      const p = spawnSync(found.python!, reference(c, inp, refOut), { encoding: 'utf8' })
      expect(p.status, p.stderr.slice(-2000)).toBe(0)
      const engine = readF32Safetensors(join(dir, 'io', `${c}-engine.safetensors`))
      const ref = readF32Safetensors(refOut)
      expect([...engine.keys()].sort()).toEqual([...ref.keys()].sort())
      for (const [name, want] of ref) {
        const got = engine.get(name)!
        expect(got.shape).toEqual(want.shape)
        const err = maxAbs(got.data, want.data)
        console.log(`kontext tensors ${c} → ${name}: max |engine − reference| = ${err.toExponential(2)}`)
        expect(maxAbs(want.data, new Float32Array(want.data.length))).toBeGreaterThan(0.1)
        expect(err).toBeLessThan(TOL)
      }
    }, 300_000)

  it('--precision float16: the transformer’s fp16 graph stays within 2e-3 of the reference’s scale (and is not the float32 graph)', async () => {
    const inp = join(dir, 'io', 'transformer-in.safetensors')
    writeF32Safetensors(inp, INPUTS.transformer)
    const out = 'io/transformer-fp16.safetensors'
    const args = ['tensors', '--model', folder, '--component', 'transformer', '--in', inp, '--out', out, '--provider', 'cpu']
    const r = await runCli(dir, ...args, '--precision', 'float16', '--json')
    expect(r.code).toBe(0)
    const said = JSON.parse(r.out) as { precision: string; fp16: { values: number; clamped: number } }
    expect(said.precision).toBe('float16')
    expect(said.fp16.values).toBeGreaterThan(0)
    const refOut = join(dir, 'io', 'transformer-ref16.safetensors')
    const p = spawnSync(found.python!, reference('transformer', inp, refOut), { encoding: 'utf8' })
    expect(p.status, p.stderr.slice(-2000)).toBe(0)
    const want = readF32Safetensors(refOut).get('pred')!.data
    const got = readF32Safetensors(join(dir, out)).get('pred')!.data
    const rel = maxAbs(got, want) / maxAbs(want, new Float32Array(want.length))
    console.log(
      `kontext tensors transformer --precision float16 → pred: max |engine − reference| / max |reference| = ${rel.toExponential(2)}`,
    )
    expect(rel).toBeLessThan(2e-3)
    expect(rel).toBeGreaterThan(1e-5)
  }, 300_000)

  it('says which input tensor is missing', async () => {
    const inp = join(dir, 'io', 'partial.safetensors')
    writeF32Safetensors(inp, new Map([['img', INPUTS.transformer.get('img')!]]))
    const r = await runCli(dir, 'tensors', '--model', folder, '--component', 'transformer', '--in', inp, '--out', 'io/x.safetensors')
    expect(r.code).toBe(1)
    expect(r.err).toMatch(/--in has no tensor img_ids, txt, txt_ids, timesteps, y/)
  })
})

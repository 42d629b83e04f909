/**
 * A whole edit on a folder of small random checkpoints (the official release's shape: bf16 BFL
 * transformer, ae.safetensors, diffusers CLIP/T5 and tokenizers) follows the PyTorch reference
 * (training/flux_reference/edit.py: T5 + CLIP from the same ids, the context encoded to the
 * posterior mean, packing, ids at index 1, shifted schedule, guidance, Euler, decode) to 1e-3 on
 * the decoded picture, with the same weights (the bf16 tensors as float32) and the same noise.
 * The graphs go through the engine's on-disk graph cache here (the CLI test opens them from memory).
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { packLatent } from '../../../engine/math/packing'
import { openCheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../../engine/pipeline/checkpointModels'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import { pipelineConfig } from '../../../engine/pipeline/ortModels'
import { SessionPool } from '../../../engine/sessions'
import { repoRoot } from '../../fixtures/engine/paths'
import { maxAbs } from '../../fixtures/engine/tensors'
import { findPython } from '../../unit/bench/findPython'
import { randomArray, seededUniform } from '../../support/fluxCheckpoint'
import { readF32Safetensors, writeF32Safetensors } from '../../support/f32Safetensors'
import { f32Tensors, referenceParams } from '../../support/componentTensors'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`edit trajectory conformance not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[48, 32]] }
const [W, H] = [48, 32]
const STEPS = 3
const GUIDANCE = 2.5
const PROMPT = 'a red cat'

describe.runIf(found.python)('a Kontext edit on a checkpoint folder vs the PyTorch reference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-edit-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(`${STEPS} steps from the same ids, context and noise decode to the reference's picture within 1e-3`, async () => {
    const folder = join(dir, 'release')
    writeOfficialRelease(folder, TINY)
    writeFileSync(join(folder, 'kontext.json'), JSON.stringify(CONFIG))
    const opened = openCheckpointFolder(folder)
    if (!opened.ok) throw new Error(opened.error.message)
    const ck = opened.value
    const pool = new SessionPool({ provider: 'cpu' })
    const cacheDir = join(dir, 'cache')
    const models = new CheckpointKontextModels(ck, { providers: ['cpu'], files: pool, cacheDir, inlineMaxBytes: 0 })
    const pipeline = new KontextPipeline(models, pipelineConfig(ck.manifest))

    const rand = seededUniform(41)
    const context = randomArray(rand, 3 * H * W, 1)
    const f = ck.manifest.latent.downsample
    const C = ck.manifest.latent.channels
    const noise = randomArray(rand, C * (H / f) * (W / f), 1.7)
    const packed = packLatent({ data: noise, channels: C, height: H / f, width: W / f }).data
    let out
    try {
      out = await pipeline.generate({
        prompt: PROMPT,
        contexts: [{ hash: 'ctx', width: W, height: H, load: async () => ({ data: context, channels: 3, height: H, width: W }) }],
        seed: 0,
        steps: STEPS,
        guidance: GUIDANCE,
        noise: packed,
      })
    } finally {
      await pool.release()
    }
    expect([out.width, out.height]).toEqual([W, H])
    expect(readdirSync(cacheDir)).toHaveLength(5) // one folder per built graph

    const params = referenceParams(TINY.transformer, TINY.ae, CONFIG.rope)
    writeFileSync(join(dir, 'flux.json'), JSON.stringify(params.flux))
    writeFileSync(join(dir, 'ae.json'), JSON.stringify(params.ae))
    const weights = join(dir, 'weights')
    rmSync(weights, { recursive: true, force: true })
    mkdirSync(weights)
    for (const [name, part] of Object.entries({
      transformer: ck.parts.transformer,
      ae: ck.parts.autoencoder,
      clip: ck.parts.clip,
      t5: ck.parts.t5,
    }))
      writeF32Safetensors(join(weights, `${name}.safetensors`), f32Tensors(part))
    const ids = models.tokenize(PROMPT)
    writeF32Safetensors(
      join(dir, 'in.safetensors'),
      new Map([
        ['clip_ids', { shape: [1, ids.clip.length], data: Float32Array.from(ids.clip) }],
        ['t5_ids', { shape: [1, ids.t5.length], data: Float32Array.from(ids.t5) }],
        ['context', { shape: [1, 3, H, W], data: context }],
        ['noise', { shape: [1, C, H / f, W / f], data: noise }],
      ]),
    )
    const script = join(repoRoot, 'training', 'flux_reference', 'edit.py')
    const args = ['--flux-params', join(dir, 'flux.json'), '--ae-params', join(dir, 'ae.json'), '--clip-heads', '2', '--weights', weights]
    const r = spawnSync(
      found.python!,
      [
        script,
        ...args,
        '--inputs',
        join(dir, 'in.safetensors'),
        '--steps',
        String(STEPS),
        '--guidance',
        String(GUIDANCE),
        '--out',
        join(dir, 'out.safetensors'),
      ],
      { encoding: 'utf8' },
    )
    expect(r.status, r.stderr.slice(-2000)).toBe(0)
    const ref = readF32Safetensors(join(dir, 'out.safetensors')).get('image')!.data
    const err = maxAbs(out.image.data, ref)
    console.log(
      `kontext edit on a checkpoint folder (${STEPS} steps, ${W}×${H}): max |engine − reference| after decode = ${err.toExponential(2)}`,
    )
    expect(maxAbs(ref, new Float32Array(ref.length))).toBeGreaterThan(0.1)
    expect(err).toBeLessThan(1e-3)
  }, 600_000)
})

/**
 * The training recipe end to end, small: `training/train.py --smoke` on CPU trains the
 * autoencoder and the flow model (losses must fall), evaluates, and exports a model folder; then
 * the TypeScript engine loads that folder through its manifest and reproduces the recipe's own
 * golden tensors (tokens, context latent, every Euler step to 1e-4, the decoded PNG to ±1 level).
 * The run records that it trained under the benchmark's split, and the reflow entry point
 * (training/distill.py) distils its checkpoint into a few-step model folder the engine loads.
 * Runs only where a Python with torch exists, and says so in one line where none does.
 *
 * One torch thread: on a loaded 2-core machine two OpenMP threads spin and cost ~15× the CPU time
 * of one on these tiny tensors. The runs are bounded by their step counts; the long test
 * timeouts only catch a hung process and are no speed check (speed belongs in bench/).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeRgb, decodeRgbForModel } from '../../../engine/image/imageIo'
import { loadManifest } from '../../../engine/manifest/validate'
import { planesToRgb, rgbToPlanes } from '../../../engine/math/imagePlanes'
import { packLatent } from '../../../engine/math/packing'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig } from '../../../engine/pipeline/ortModels'
import { SessionPool } from '../../../engine/sessions'
import { HELD_OUT } from '../../../bench/kontextbench'
import { repoRoot } from '../../fixtures/engine/paths'
import { findPython } from '../../unit/bench/findPython'
import { maxAbs, readF32, type Golden } from '../../fixtures/engine/tensors'

interface Summary {
  ok: boolean
  model_dir: string
  flow_loss_first: number
  flow_loss_last: number
  ae_loss_first: number
  ae_loss_last: number
  seconds: number
}

interface DistillSummary {
  ok: boolean
  model_dir: string
  reflow_steps: number
  loss_first: number
  loss_last: number
  student_steps: number
}

interface SplitRecord {
  rule: string
  buckets: number
  heldOutBucket: number
  trainedOnHeldOut: boolean
  main_sampler_drawn: number
  main_sampler_rejected_held_out: number
}

const found = findPython(['torch', 'numpy'])
if (!found.python) console.log(`training smoke test not run: ${found.why} (Debian: apt-get install python3-torch python3-numpy)`)

const f32 = readF32

describe.runIf(found.python)('training/train.py --smoke, then the engine on its export', () => {
  const out = mkdtempSync(join(tmpdir(), 'kontext-smoke-'))
  let summary: Summary
  afterAll(() => rmSync(out, { recursive: true, force: true }))

  it('trains (both losses fall), evaluates and exports a model folder with goldens', () => {
    const r = spawnSync(found.python!, [join(repoRoot, 'training', 'train.py'), '--smoke', '--out', out, '--threads', '1'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    })
    expect(r.status, r.stderr.slice(-3000)).toBe(0)
    summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Summary
    console.log(
      `training smoke: ${summary.seconds} s; flow loss ${summary.flow_loss_first.toFixed(3)} → ${summary.flow_loss_last.toFixed(3)}, autoencoder ${summary.ae_loss_first.toFixed(3)} → ${summary.ae_loss_last.toFixed(3)}`,
    )
    expect(summary.flow_loss_last).toBeLessThan(0.8 * summary.flow_loss_first)
    expect(summary.ae_loss_last).toBeLessThan(0.9 * summary.ae_loss_first)
    for (const f of [
      'model.json',
      'tokenizer.json',
      'vocab.json',
      'README.md',
      'metrics.json',
      'transformer.onnx',
      'text_encoder.onnx',
      'ae_encoder.onnx',
      'ae_decoder.onnx',
      'golden/cases.json',
    ])
      expect(existsSync(join(out, 'model', f)), f).toBe(true)
    expect(existsSync(join(out, 'checkpoint.pt'))).toBe(true)
    // It trained under the benchmark's split, and its sampler met bucket-0 draws and refused them.
    const split = (JSON.parse(readFileSync(join(out, 'model', 'metrics.json'), 'utf8')) as { split: SplitRecord }).split
    expect({
      rule: split.rule,
      buckets: split.buckets,
      heldOutBucket: split.heldOutBucket,
      trainedOnHeldOut: split.trainedOnHeldOut,
    }).toEqual({
      rule: HELD_OUT.split.rule,
      buckets: HELD_OUT.split.buckets,
      heldOutBucket: HELD_OUT.split.heldOutBucket,
      trainedOnHeldOut: false,
    })
    expect(split.main_sampler_rejected_held_out).toBeGreaterThan(0)
    expect(split.main_sampler_rejected_held_out).toBeLessThan(split.main_sampler_drawn / 4)
  }, 900_000)

  it('the TypeScript engine reproduces every golden Euler step of the export', async () => {
    const dir = join(out, 'model')
    const manifest = loadManifest(dir)
    if (!manifest.ok) throw new Error(manifest.error.message)
    const pool = new SessionPool({ provider: 'cpu' })
    const models = new OrtKontextModels(manifest.value, dir, pool)
    await models.loadAll()
    const pipeline = new KontextPipeline(models, pipelineConfig(manifest.value))
    const golden = JSON.parse(readFileSync(join(dir, 'golden', 'cases.json'), 'utf8')) as Golden
    const g = (f: string) => join(dir, 'golden', f)
    expect(golden.cases.map((c) => c.kind)).toEqual(['recolour', 'move', 'remove', 'add', 'background', 'reference', 't2i'])
    for (const c of golden.cases) {
      expect(models.tokenize(c.prompt)[0]).toEqual(c.tokens)
      const contexts = []
      if (c.context_png && c.context_image && c.context_latent) {
        const rgb = await decodeRgbForModel(new Uint8Array(readFileSync(g(c.context_png))), 64, 64, c.context_png)
        if (!rgb.ok) throw new Error(rgb.error.message)
        const planes = rgbToPlanes(rgb.value, 64, 64)
        expect(maxAbs(planes.data, f32(g(c.context_image.file)))).toBeLessThan(1e-6)
        expect(maxAbs(packLatent(await models.encodeImage(planes)).data, f32(g(c.context_latent.file)))).toBeLessThan(1e-4)
        contexts.push({ hash: c.context_png, width: 64, height: 64, load: async () => planes })
      }
      const steps: Float32Array[] = []
      const res = await pipeline.generate({
        prompt: c.prompt,
        contexts,
        seed: 0,
        steps: golden.steps,
        guidance: 1,
        noise: f32(g(c.noise.file)),
        onStep: (e) => steps.push(Float32Array.from(e.latent.data)),
      })
      const errors = c.steps.map((s, i) => maxAbs(steps[i]!, f32(g(s.file))))
      expect(Math.max(...errors), `${c.kind}: max abs error over the Euler steps`).toBeLessThan(1e-4)
      const ref = await decodeRgb(new Uint8Array(readFileSync(g(c.output_png))))
      expect(maxAbs(planesToRgb(res.image), ref.rgb)).toBeLessThanOrEqual(1)
    }
    await pool.release()
  }, 900_000)

  it('distils the checkpoint by reflow into a few-step model folder the engine runs', async () => {
    const dir = join(out, 'reflow')
    const r = spawnSync(
      found.python!,
      [join(repoRoot, 'training', 'distill.py'), '--smoke', '--checkpoint', join(out, 'checkpoint.pt'), '--out', dir, '--threads', '1'],
      { encoding: 'utf8', maxBuffer: 64 << 20 },
    )
    expect(r.status, r.stderr.slice(-3000)).toBe(0)
    const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as DistillSummary
    console.log(`reflow smoke: ${s.reflow_steps} steps, loss ${s.loss_first.toFixed(3)} → ${s.loss_last.toFixed(3)}`)
    // The student starts as the teacher; fitting the teacher's own coupled pairs must lower the reflow loss.
    expect(s.loss_last).toBeLessThan(s.loss_first)
    const manifest = loadManifest(s.model_dir)
    if (!manifest.ok) throw new Error(manifest.error.message)
    expect(manifest.value.defaults.steps).toBe(s.student_steps)
    const pool = new SessionPool({ provider: 'cpu' })
    const pipeline = new KontextPipeline(new OrtKontextModels(manifest.value, s.model_dir, pool), pipelineConfig(manifest.value))
    const res = await pipeline.generate({
      prompt: 'a large red circle on navy at row two col three',
      contexts: [],
      seed: 1,
      steps: s.student_steps,
      guidance: 1,
    })
    expect([res.width, res.height]).toEqual([64, 64])
    await pool.release()
  }, 900_000)
})

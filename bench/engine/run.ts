/**
 * `npm run bench:engine` — speed and memory of the engine on the bundled model, per stage:
 * prompt encoding, context encoding (decode + resize + encoder), each denoising step, decode and
 * PNG encoding; median wall time, the part spent inside onnxruntime vs in JavaScript, and peak RSS.
 * Caches are cleared between runs so every run pays every stage. Options: --runs N (20),
 * --steps N (28), --provider NAME (cpu), --threads N (onnxruntime intra-op threads, default ORT's).
 */
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot, defaultModelDir } from '../../engine/cli/modelDirs'
import { decodeRgbForModel, encodeRgbPng, probeImage } from '../../engine/image/imageIo'
import { loadManifest } from '../../engine/manifest/validate'
import { planesToRgb, rgbToPlanes } from '../../engine/math/imagePlanes'
import { KontextPipeline } from '../../engine/pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig } from '../../engine/pipeline/ortModels'
import type { ContextSource, KontextModels } from '../../engine/pipeline/types'
import { ortVersion, SessionPool } from '../../engine/sessions'
import { runTorchComparison } from './torchComparison'

const { values } = parseArgs({ options: { runs: { type: 'string' }, steps: { type: 'string' }, provider: { type: 'string' }, threads: { type: 'string' } } })
const runs = Number(values.runs ?? 20)
const steps = Number(values.steps ?? 28)
const provider = values.provider ?? 'cpu'
const threads = values.threads ? Number(values.threads) : undefined

type Stage = 'text' | 'context' | 'step' | 'decode' | 'png'
const samples: Record<Stage, { wall: number[]; ort: number[] }> = { text: { wall: [], ort: [] }, context: { wall: [], ort: [] }, step: { wall: [], ort: [] }, decode: { wall: [], ort: [] }, png: { wall: [], ort: [] } }
const totals: number[] = []
const firstSteps: number[] = []
const lastSteps: number[] = []

const loaded = loadManifest(defaultModelDir)
if (!loaded.ok) throw new Error(loaded.error.message)
const manifest = loaded.value
const pool = new SessionPool({ provider, log: (l) => console.error(l), ...(threads ? { intraOpThreads: threads } : {}) })
const ort = new OrtKontextModels(manifest, defaultModelDir, pool)

/** Times each model call, splitting wall time into onnxruntime and the JavaScript around it. */
function timed<K extends keyof KontextModels>(stage: Stage, call: K): KontextModels[K] {
  const fn = ort[call].bind(ort) as (...a: unknown[]) => Promise<unknown>
  return (async (...args: unknown[]) => {
    const ortBefore = ort.ortMs
    const t = performance.now()
    const r = await fn(...args)
    if (recording) {
      samples[stage].wall.push(performance.now() - t)
      samples[stage].ort.push(ort.ortMs - ortBefore)
    }
    return r
  }) as KontextModels[K]
}
let recording = false
const models: KontextModels = { encodeText: timed('text', 'encodeText'), encodeImage: timed('context', 'encodeImage'), predictVelocity: timed('step', 'predictVelocity'), decode: timed('decode', 'decode') }

const contextPng = new Uint8Array(readFileSync(join(defaultModelDir, 'golden', 'c0_context.png')))
const size = await probeImage(contextPng, 'context')
if (!size.ok) throw new Error(size.error.message)
const context: ContextSource = {
  hash: 'bench',
  ...size.value,
  async load(w, h) {
    const t = performance.now()
    const rgb = await decodeRgbForModel(contextPng, w, h, 'context')
    if (!rgb.ok) throw new Error(rgb.error.message)
    const planes = rgbToPlanes(rgb.value, w, h)
    if (recording) samples.context.wall.push(performance.now() - t) // image decode: JavaScript + sharp, no ORT
    if (recording) samples.context.ort.push(0)
    return planes
  },
}

async function once(): Promise<void> {
  const pipeline = new KontextPipeline(models, pipelineConfig(manifest))
  const t = performance.now()
  let last = t
  const stepWall: number[] = []
  const out = await pipeline.generate({ prompt: 'make the yellow ring green', contexts: [context], seed: 1, steps, guidance: 1, onStep: () => (stepWall.push(performance.now() - last), (last = performance.now())) })
  const p = performance.now()
  await encodeRgbPng(planesToRgb(out.image), out.width, out.height, { prompt: 'bench' })
  if (recording) {
    samples.png.wall.push(performance.now() - p)
    samples.png.ort.push(0)
    totals.push(performance.now() - t)
    firstSteps.push(samples.step.wall.at(-steps) ?? NaN)
    lastSteps.push(samples.step.wall.at(-1) ?? NaN)
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN
}
/** Per-run sums (a run has several context loads and `steps` step calls). */
const perRun = (xs: number[], per: number) => Array.from({ length: xs.length / per }, (_, i) => xs.slice(i * per, (i + 1) * per).reduce((a, b) => a + b, 0))

for (let i = 0; i < 3; i++) await once() // warm-up: session creation, JIT, allocator arenas
recording = true
for (let i = 0; i < runs; i++) await once()

const f = (x: number) => x.toFixed(2).padStart(9)
const rows: [string, number, number][] = [
  ['text encode', median(samples.text.wall), median(samples.text.ort)],
  ['context encode (decode+resize+encoder)', median(perRun(samples.context.wall, 2)), median(perRun(samples.context.ort, 2))],
  ['denoise step (median of all)', median(samples.step.wall), median(samples.step.ort)],
  ['denoise step 1', median(firstSteps), NaN],
  [`denoise step ${steps}`, median(lastSteps), NaN],
  [`all ${steps} steps`, median(perRun(samples.step.wall, steps)), median(perRun(samples.step.ort, steps))],
  ['VAE decode', median(samples.decode.wall), median(samples.decode.ort)],
  ['PNG encode (sharp)', median(samples.png.wall), 0],
]
const totalMs = median(totals)
const ortTotal = median(perRun(samples.text.ort, 1)) + median(perRun(samples.context.ort, 2)) + median(perRun(samples.step.ort, steps)) + median(samples.decode.ort)
console.log(`\nkontext-tiny edit, ${steps} steps, ${runs} runs after 3 warm-up; provider ${pool.activeProvider}; onnxruntime-node ${ortVersion()}; Node ${process.version}; ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'}`)
console.log(`\n| stage | median ms | ORT ms | JS ms |\n|---|---:|---:|---:|`)
for (const [name, wall, ortMs] of rows) console.log(`| ${name} | ${f(wall)} | ${Number.isNaN(ortMs) ? '        –' : f(ortMs)} | ${Number.isNaN(ortMs) ? '        –' : f(wall - ortMs)} |`)
console.log(`| **end to end** | ${f(totalMs)} | ${f(ortTotal)} | ${f(totalMs - ortTotal)} |`)
console.log(`\nJavaScript share of end-to-end time: ${(((totalMs - ortTotal) / totalMs) * 100).toFixed(1)}% (everything outside session.run: tensor building, packing, Euler, image codec).`)
console.log(`Peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)

const torch = runTorchComparison(repoRoot, steps, runs, threads ?? cpus().length)
if (torch.ok) {
  const t = torch.medianMs.total ?? NaN
  console.log(`\nPyTorch eager (${torch.checkpoint}): end to end ${t.toFixed(2)} ms → the engine is ${(t / totalMs).toFixed(2)}× ${t >= totalMs ? 'faster' : 'slower'}.`)
  for (const [k, v] of Object.entries(torch.medianMs)) console.log(`  torch ${k}: ${v.toFixed(2)} ms`)
} else console.log(`\nPyTorch comparison absent: ${torch.why}.`)
await pool.release()

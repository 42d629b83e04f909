/**
 * `npm run bench:engine` — speed and memory of the engine on the bundled model, per stage:
 * prompt encoding, context encoding (decode + resize + encoder), each denoising step, decode and
 * PNG encoding; median wall time, the part spent inside onnxruntime vs in JavaScript, and peak RSS.
 * Caches are cleared between runs so every run pays every stage. Options: --runs N (20),
 * --steps N (28), --provider NAME (cpu), --threads N (onnxruntime intra-op threads, default ORT's),
 * --model DIR (default: the bundled model), --json (one line of figures, for the comparison below),
 * --no-torch (skip the PyTorch comparison).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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

const { values } = parseArgs({
  options: {
    runs: { type: 'string' },
    steps: { type: 'string' },
    provider: { type: 'string' },
    threads: { type: 'string' },
    model: { type: 'string' },
    json: { type: 'boolean' },
    'no-torch': { type: 'boolean' },
  },
})
const modelDir = values.model ?? defaultModelDir
const runs = Number(values.runs ?? 20)
const steps = Number(values.steps ?? 28)
const provider = values.provider ?? 'cpu'
const threads = values.threads ? Number(values.threads) : undefined

type Stage = 'text' | 'context' | 'step' | 'decode' | 'png'
/** Per call: wall time, time inside onnxruntime, and time inside sharp (native image codec). */
const samples: Record<Stage, { wall: number[]; ort: number[]; codec: number[] }> = {
  text: { wall: [], ort: [], codec: [] },
  context: { wall: [], ort: [], codec: [] },
  step: { wall: [], ort: [], codec: [] },
  decode: { wall: [], ort: [], codec: [] },
  png: { wall: [], ort: [], codec: [] },
}
const totals: number[] = []
const firstSteps: number[] = []
const lastSteps: number[] = []

const loaded = loadManifest(modelDir)
if (!loaded.ok) throw new Error(loaded.error.message)
const manifest = loaded.value
const pool = new SessionPool({ provider, log: (l) => console.error(l), ...(threads ? { intraOpThreads: threads } : {}) })
const ort = new OrtKontextModels(manifest, modelDir, pool)

/** Times each model call, splitting wall time into onnxruntime and the JavaScript around it. */
function timed<K extends Exclude<keyof KontextModels, 'enterPhase'>>(stage: Stage, call: K): KontextModels[K] {
  const fn = ort[call].bind(ort) as (...a: unknown[]) => Promise<unknown>
  return (async (...args: unknown[]) => {
    const ortBefore = ort.ortMs
    const t = performance.now()
    const r = await fn(...args)
    if (recording) {
      samples[stage].wall.push(performance.now() - t)
      samples[stage].ort.push(ort.ortMs - ortBefore)
      samples[stage].codec.push(0)
    }
    return r
  }) as KontextModels[K]
}
let recording = false
const models: KontextModels = {
  encodeText: timed('text', 'encodeText'),
  encodeImage: timed('context', 'encodeImage'),
  predictVelocity: timed('step', 'predictVelocity'),
  decode: timed('decode', 'decode'),
}

// The bundled model's golden context: the same picture whichever model is timed.
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
    // load() runs before the encoder call, so the codec time is a sample of its own (ORT 0).
    if (recording) {
      samples.context.wall.push(performance.now() - t)
      samples.context.ort.push(0)
      samples.context.codec.push(performance.now() - t)
    }
    return planes
  },
}

async function once(): Promise<void> {
  const pipeline = new KontextPipeline(models, pipelineConfig(manifest))
  const t = performance.now()
  let last = t
  const stepWall: number[] = []
  const out = await pipeline.generate({
    prompt: 'make the yellow ring green',
    contexts: [context],
    seed: 1,
    steps,
    guidance: 1,
    onStep: () => (stepWall.push(performance.now() - last), (last = performance.now())),
  })
  const p = performance.now()
  await encodeRgbPng(planesToRgb(out.image), out.width, out.height, { prompt: 'bench' })
  if (recording) {
    samples.png.wall.push(performance.now() - p)
    samples.png.ort.push(0)
    samples.png.codec.push(samples.png.wall.at(-1)!)
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
const perRun = (xs: number[], per: number) =>
  Array.from({ length: xs.length / per }, (_, i) => xs.slice(i * per, (i + 1) * per).reduce((a, b) => a + b, 0))

for (let i = 0; i < 3; i++) await once() // warm-up: session creation, JIT, allocator arenas
recording = true
for (let i = 0; i < runs; i++) await once()

const f = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(2)).padStart(9)
type Row = [name: string, wall: number, ort: number, codec: number]
const stageRow = (name: string, stage: Stage, per: number): Row => [
  name,
  median(perRun(samples[stage].wall, per)),
  median(perRun(samples[stage].ort, per)),
  median(perRun(samples[stage].codec, per)),
]
const rows: Row[] = [
  stageRow('text encode', 'text', 1),
  stageRow('context encode (sharp decode+resize, encoder)', 'context', 2),
  stageRow('denoise step (median of all)', 'step', 1),
  [`denoise step 1`, median(firstSteps), NaN, NaN],
  [`denoise step ${steps}`, median(lastSteps), NaN, NaN],
  stageRow(`all ${steps} steps`, 'step', steps),
  stageRow('VAE decode', 'decode', 1),
  stageRow('PNG encode (sharp)', 'png', 1),
]
const totalMs = median(totals)
if (values.json) {
  console.log(JSON.stringify({ totalMs, stepMs: median(samples.step.wall) }))
  process.exit(0)
}
const summed = rows.filter((r) => !Number.isNaN(r[2]) && !r[0].startsWith('denoise step'))
const ortTotal = summed.reduce((a, r) => a + r[2], 0)
const codecTotal = summed.reduce((a, r) => a + r[3], 0)
const jsTotal = totalMs - ortTotal - codecTotal
console.log(
  `\nkontext-tiny edit, ${steps} steps, ${runs} runs after 3 warm-up; provider ${pool.activeProvider}; onnxruntime-node ${ortVersion()}; Node ${process.version}; ${cpus().length}× ${cpus()[0]?.model ?? 'CPU'}`,
)
console.log(`\n| stage | median ms | ORT ms | sharp ms | JS ms |\n|---|---:|---:|---:|---:|`)
for (const [name, wall, o, c] of rows) console.log(`| ${name} | ${f(wall)} | ${f(o)} | ${f(c)} | ${f(wall - o - c)} |`)
console.log(`| **end to end** | ${f(totalMs)} | ${f(ortTotal)} | ${f(codecTotal)} | ${f(jsTotal)} |`)
console.log(
  `\nJavaScript share of end-to-end time: ${((jsTotal / totalMs) * 100).toFixed(1)}% (outside onnxruntime and sharp: tensor building, packing, Euler, previews, awaits); engine (ORT) share ${((ortTotal / totalMs) * 100).toFixed(1)}%.`,
)
console.log(`Peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`)

if (values['no-torch']) process.exit(0)
const torch = runTorchComparison(repoRoot, steps, runs, threads ?? cpus().length)
if (torch.ok) {
  // Time the engine on the export of that very checkpoint, so both sides run the same network.
  const same = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--model',
        torch.modelDir,
        '--runs',
        String(runs),
        '--steps',
        String(steps),
        '--provider',
        provider,
        '--json',
        ...(threads ? ['--threads', String(threads)] : []),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    )
      .trim()
      .split('\n')
      .at(-1) ?? '{}',
  ) as { totalMs: number; stepMs: number }
  const t = torch.medianMs.total ?? NaN
  const s = torch.medianMs.step ?? NaN
  console.log(`\nSame network (${torch.modelDir}), same edit, ${steps} steps, CPU:`)
  console.log(`| | PyTorch eager | engine (onnxruntime-node) | engine speed-up |\n|---|---:|---:|---:|`)
  console.log(`| one denoise step | ${s.toFixed(2)} ms | ${same.stepMs.toFixed(2)} ms | ${(s / same.stepMs).toFixed(2)}× |`)
  console.log(`| end to end | ${t.toFixed(2)} ms | ${same.totalMs.toFixed(2)} ms | ${(t / same.totalMs).toFixed(2)}× |`)
} else console.log(`\nPyTorch comparison absent: ${torch.why}.`)

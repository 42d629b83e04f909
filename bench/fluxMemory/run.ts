/**
 * `npm run bench:flux-memory [-- --sizes 512,1024 --refs 1 --steps 1 --copy --double N --single N --t5-blocks N]`:
 * the full-width FLUX.1 Kontext [dev] twin (twin.ts) through the real pipeline on the CPU
 * provider, one child process per case (child.ts), each phase's peak RSS beside the memory plan's
 * prediction from the tensor shapes (engine/plan/), the step time split per block, and both
 * extrapolated to the full 19 + 38 blocks and 24 T5 layers. `--copy` also runs each case with the
 * weights copied into graph files instead of read from the checkpoint, for the difference.
 */
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { openCheckpointFolder, planTensorsOf } from '../../engine/pipeline/checkpointFolder'
import { planMemory, type PlanRequest, type PlanTensors, type ShapeTable } from '../../engine/plan/memoryPlan'
import { bflAutoencoderSpecs, bflTransformerSpecs, clipTextSpecs, FULL, t5EncoderSpecs } from '../../test/support/fluxCheckpoints'
import { defaultTwinDir, ensureTwin, twinSpecFromArgs } from './twin'

const { values } = parseArgs({
  args: process.argv.slice(2),
  strict: false,
  options: {
    sizes: { type: 'string', default: '512' },
    refs: { type: 'string', default: '1' },
    steps: { type: 'string', default: '1' },
    copy: { type: 'boolean' },
  },
})
const { spec, out } = twinSpecFromArgs(process.argv.slice(2))
const dir = ensureTwin(out ?? defaultTwinDir(spec), spec)
const refs = Number(values.refs)
const steps = Number(values.steps)
const sizes = String(values.sizes).split(',').map(Number)

const folder = openCheckpointFolder(dir, { freeBytes: Number.MAX_SAFE_INTEGER })
if (!folder.ok) throw new Error(folder.error.message)
const twin = planTensorsOf(folder.value.parts)
const table = (specs: [string, number[]][]): ShapeTable => new Map(specs.map(([n, shape]) => [n, { dtype: 'BF16', shape }]))
const full: PlanTensors = {
  transformer: table(bflTransformerSpecs(FULL.transformer)),
  autoencoder: table(bflAutoencoderSpecs(FULL.ae)),
  clip: table(clipTextSpecs(FULL.clip)),
  t5: table(t5EncoderSpecs(FULL.t5)),
}

interface ChildResult {
  phases: { phase: string; rssStartBytes: number; peakBytes: number; ms: number }[]
  stepMs: number[]
  baseRssBytes: number
}

function runChild(width: number, height: number, copy: boolean): ChildResult {
  const args = ['tsx', 'bench/fluxMemory/child.ts', dir, '--width', String(width), '--height', String(height)]
  args.push('--refs', String(refs), '--steps', String(steps), '--cache', `.cache/graphs-bench-${copy ? 'copy' : 'in-place'}`)
  if (copy) args.push('--copy')
  const r = spawnSync('npx', args, { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr.slice(-2000)}`)
  const line = r.stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as ChildResult
}

const gib = (b: number) => (b / 1024 ** 3).toFixed(2)
const h = FULL.transformer.hidden
const mlp = h * FULL.transformer.mlpRatio

/** Multiply-adds of one step's pieces at N image tokens (target + references) and 512 text tokens. */
function stepMacs(imgTokens: number) {
  const n = imgTokens + 512
  const attention = 2 * n * n * h
  const double = n * (3 * h * h + h * h + 2 * h * mlp) + attention
  const single = n * (h * (3 * h + mlp) + (h + mlp) * h) + attention
  const rest = imgTokens * 64 * h + 512 * 4096 * h + imgTokens * h * 64
  return { double, single, rest }
}
const t5LayerMacs = 512 * (4 * 4096 * 4096 + 3 * 4096 * 10240)
const clipMacs = 77 * 12 * (4 * 768 * 768 + 2 * 768 * 3072)

for (const size of sizes) {
  const req: PlanRequest = { width: size, height: size, refs, precision: 'float32' }
  for (const copy of copyModes()) {
    const plan = planMemory(twin, { ...req, zeroCopy: !copy })
    const r = runChild(size, size, copy)
    console.log(
      `\n${size}×${size}, ${refs} reference, ${steps} step, weights ${copy ? 'copied into graph files' : 'read from the checkpoint'}`,
    )
    console.log('phase     predicted GiB  measured peak GiB  error   RSS at start GiB  time s')
    for (const p of r.phases) {
      const pred = plan.phases.find((x) => x.phase === p.phase)
      if (!pred) continue
      const err = ((pred.peakBytes - p.peakBytes) / p.peakBytes) * 100
      console.log(
        `${p.phase.padEnd(9)} ${gib(pred.peakBytes).padStart(13)}  ${gib(p.peakBytes).padStart(17)}  ${err.toFixed(1).padStart(5)}%  ${gib(p.rssStartBytes).padStart(16)}  ${(p.ms / 1000).toFixed(1).padStart(6)}`,
      )
    }
    const step = r.stepMs[0]!
    const m = stepMacs((size / 16) ** 2 * (1 + refs))
    const twinMacs = spec.double * m.double + spec.single * m.single + m.rest
    const fullMacs = 19 * m.double + 38 * m.single + m.rest
    console.log(
      `step ${(step / 1000).toFixed(1)} s; per block (step split by multiply-adds): double ${((step * m.double) / twinMacs / 1000).toFixed(1)} s, single ${((step * m.single) / twinMacs / 1000).toFixed(1)} s; ` +
        `19 + 38 blocks: ${((step * fullMacs) / twinMacs / 1000).toFixed(0)} s per step on this CPU`,
    )
    const text = r.phases.find((p) => p.phase === 'text')
    if (text)
      console.log(
        `text phase (loading included) ${(text.ms / 1000).toFixed(1)} s with ${spec.t5Blocks} T5 layers; 24 layers: ~${((text.ms * (24 * t5LayerMacs + clipMacs)) / (spec.t5Blocks * t5LayerMacs + clipMacs) / 1000).toFixed(0)} s`,
      )
    const fp = planMemory(full, req)
    console.log(
      `full FLUX.1 Kontext [dev] (float32 graphs), predicted: ${fp.phases.map((p) => `${p.phase} ${gib(p.peakBytes)}`).join(', ')} GiB; ` +
        `peak ${gib(fp.peak.peakBytes)} GiB one phase at a time, ${gib(fp.residentBytes)} GiB all held; float16: ${gib(planMemory(full, { ...req, precision: 'float16' }).peak.peakBytes)} GiB`,
    )
  }
}

function copyModes(): boolean[] {
  return values.copy ? [false, true] : [false]
}

/**
 * One measured job on a checkpoint folder, in a process of its own: the real pipeline at one
 * resolution with N references, the models in sequential mode, and between the phases of the
 * memory plan the process's peak RSS (VmHWM, reset through /proc/self/clear_refs at each phase
 * start) and the RSS left after the release. Prints one JSON line; run by bench/fluxMemory/run.ts.
 *
 *   npx tsx bench/fluxMemory/child.ts DIR --width W --height H [--refs N] [--steps N] [--resident]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { ImagePlanes } from '../../engine/math/imagePlanes'
import { openCheckpointFolder } from '../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../engine/pipeline/checkpointModels'
import { KontextPipeline } from '../../engine/pipeline/kontextPipeline'
import { pipelineConfig } from '../../engine/pipeline/ortModels'
import type { ContextSource, KontextModels, PipelinePhase } from '../../engine/pipeline/types'
import { SessionPool } from '../../engine/sessions'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    width: { type: 'string' },
    height: { type: 'string' },
    refs: { type: 'string', default: '1' },
    steps: { type: 'string', default: '1' },
    resident: { type: 'boolean', default: false },
    copy: { type: 'boolean', default: false },
    cache: { type: 'string' },
  },
})
const dir = resolve(positionals[0] ?? '.')
const width = Number(values.width)
const height = Number(values.height)
const refs = Number(values.refs)
const steps = Number(values.steps)

const kib = (field: string): number => {
  const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`${field}:\\s+(\\d+) kB`))
  return m ? Number(m[1]) * 1024 : NaN
}
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5')

const startRss = kib('VmRSS')
const folder = openCheckpointFolder(dir, { freeBytes: Number.MAX_SAFE_INTEGER })
if (!folder.ok) throw new Error(folder.error.message)
const pool = new SessionPool({ provider: 'cpu' })
const inner = new CheckpointKontextModels(folder.value, {
  providers: ['cpu'],
  files: pool,
  cacheDir: resolve(values.cache ?? '.cache/graphs-bench'),
  sequential: !values.resident,
  zeroCopy: !values.copy,
  log: (l) => console.error(l),
})
const baseRss = kib('VmRSS')

interface PhaseRecord {
  phase: PipelinePhase
  /** RSS once the previous phase's graphs were released, when this phase started. */
  rssStartBytes: number
  peakBytes: number
  rssAfterBytes: number
  ms: number
}
const phases: PhaseRecord[] = []
let current: { phase: PipelinePhase; t: number; rss: number } | null = null
const close = () => {
  if (!current) return
  phases.push({
    phase: current.phase,
    rssStartBytes: current.rss,
    peakBytes: kib('VmHWM'),
    rssAfterBytes: kib('VmRSS'),
    ms: performance.now() - current.t,
  })
}

/** The folder's models, with the phase boundaries measured. */
const models: KontextModels = {
  encodeText: (p) => inner.encodeText(p),
  encodeImage: (i) => inner.encodeImage(i),
  predictVelocity: (v) => inner.predictVelocity(v),
  decode: (l) => inner.decode(l),
  async enterPhase(phase) {
    close()
    await inner.enterPhase(phase)
    resetPeak()
    current = phase === 'done' ? null : { phase, t: performance.now(), rss: kib('VmRSS') }
  },
}

const planes = (w: number, h: number): ImagePlanes => {
  const data = new Float32Array(3 * w * h)
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.001) * 0.8
  return { data, channels: 3, width: w, height: h }
}
const contexts: ContextSource[] = Array.from({ length: refs }, (_, i) => ({
  hash: `ref${i}`,
  width,
  height,
  load: async (w, h) => planes(w, h),
}))

// The size asked for exactly (FLUX's preferred resolutions are all about 1 MP).
const pipeline = new KontextPipeline(models, { ...pipelineConfig(folder.value.manifest), resolutions: [[width, height]] })
const out = await pipeline.generate({ prompt: 'a red cube on a table', contexts, seed: 1, steps, guidance: 2.5, width, height })
await inner.release()
await pool.release()
console.log(
  JSON.stringify({
    width: out.width,
    height: out.height,
    refs,
    steps,
    sequential: !values.resident,
    zeroCopy: !values.copy,
    startRssBytes: startRss,
    baseRssBytes: baseRss,
    phases,
    stepMs: Array.from({ length: steps }, (_, i) => out.timingsMs[`step${i + 1}`]),
    timingsMs: out.timingsMs,
  }),
)

/**
 * `npm run bench:paths` — one edit four ways, in one run on one machine, each per image and as a
 * ratio against the first:
 *   (a) engine     KontextEngine.run in this process, one edit after another (sessions warm);
 *   (a′)           the same with step previews on, as the studio's engine process runs a job
 *                  (interleaved with (a), on inputs of its own: the engine caches contexts);
 *   (b) host       the studio host (SQLite project, engine process, web host) over its WebSocket:
 *                  `generate` sent → the node's `done` diff received, one edit after another;
 *   (c) CLI ×1     `node bin/kontext.js edit --in IMG --out FILE` as a process per image;
 *   (d) CLI ×N     `node bin/kontext.js edit --in … --in … --out DIR`: all N inputs in one process;
 * then the CLI's start-up alone (a `kontext edit` refused at its --in), from the cached build and
 * from source through tsx. Inputs are distinct 64×64 images (the bundled goldens, one pixel
 * changed per copy, so no path hits a context cache another does not); same prompt, seed and
 * steps, all on CPU. (a) and (b) are warmed up by one edit of another image first; (c) and (d) pay
 * their start-up every time, as a user does. Wall time and CPU time of every process involved
 * (/proc), since wall time on a loaded machine favours whichever path runs more processes.
 * Options: --items N (8), --steps N (model default), --json.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import sharp from 'sharp'
import { systemClock } from '../../main/services/clock'
import { EngineProcess } from '../../main/services/engineProcess'
import { openStudio } from '../../main/services/openStudio'
import { findAppRoot, modelDirs } from '../../main/services/paths'
import { startWebHost } from '../../main/web/webHost'
import { KontextEngine } from '../../engine/engineService'
import { knownModelDirs } from '../../engine/cli/modelDirs'
import { BenchClient } from './wsBenchClient'

const { values } = parseArgs({ options: { items: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } } })
const items = Number(values.items ?? 8)
if (!Number.isInteger(items) || items < 1 || items > 200) throw new Error('--items must be a whole number from 1 to 200.')
// Every path runs on CPU, the engine process and the CLI children included (they inherit this).
process.env.KONTEXT_PROVIDER = 'cpu'
const PROMPT = 'remove the blue square'
const SEED = 3
const appRoot = findAppRoot()
const golden = join(appRoot, 'assets', 'models', 'kontext-tiny', 'golden')
const dir = mkdtempSync(join(tmpdir(), 'kontext-paths-'))
const run = promisify(execFile)

/** N distinct inputs: golden context i mod 6, with pixel (0,0)'s red channel set to i. */
async function makeInputs(n: number, offset: number): Promise<string[]> {
  const paths: string[] = []
  for (let i = 0; i < n; i++) {
    const src = join(golden, `c${(i + offset) % 6}_context.png`)
    const { data, info } = await sharp(src).removeAlpha().raw().toBuffer({ resolveWithObject: true })
    data[0] = (i + offset) % 256
    const path = join(dir, 'in', `shot-${String(i + offset).padStart(3, '0')}.png`)
    writeFileSync(
      path,
      await sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
        .png()
        .toBuffer(),
    )
    paths.push(path)
  }
  return paths
}

mkdirSync(join(dir, 'in'))
const inputs = await makeInputs(items, 0)
const [warmInput] = await makeInputs(1, items) // never one of the measured inputs
const previewInputs = await makeInputs(items, items + 1)
const engine = new KontextEngine({ modelDirs: knownModelDirs(), provider: 'cpu' })
const model = engine.summaries().find((m) => m.id === 'kontext-tiny')
if (!model) throw new Error('The bundled kontext-tiny model is missing.')
const steps = values.steps ? Number(values.steps) : model.defaultSteps
const job = (bytes: Uint8Array) => ({
  model: model.id,
  prompt: PROMPT,
  contexts: [bytes],
  seed: SEED,
  steps,
  guidance: model.defaultGuidance,
})

/** CPU ms from /proc (USER_HZ 100): a live process's utime+stime, or this process's waited-for children's. */
function procStat(pid: number | 'self'): number[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number)
}
const liveCpuMs = (pid: number): number => ((procStat(pid)[11] ?? 0) + (procStat(pid)[12] ?? 0)) * 10
const childrenCpuMs = (): number => ((procStat('self')[13] ?? 0) + (procStat('self')[14] ?? 0)) * 10
const selfCpuMs = (): number => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** Wall ms of `f`, and the CPU ms it cost: this process, its exited children, and `alive` processes meanwhile. */
async function measured(f: () => Promise<unknown>, alive: readonly number[] = []): Promise<{ wall: number; cpu: number }> {
  const c0 = selfCpuMs() + childrenCpuMs() + alive.reduce((s, pid) => s + liveCpuMs(pid), 0)
  const t = performance.now()
  await f()
  const wall = performance.now() - t
  const c1 = selfCpuMs() + childrenCpuMs() + alive.reduce((s, pid) => s + liveCpuMs(pid), 0)
  return { wall, cpu: c1 - c0 }
}
type Sample = { wall: number; cpu: number }
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

// (a) The engine in this process.
await engine.run(job(new Uint8Array(readFileSync(warmInput as string))), { previews: false })
// (a′) interleaved with it: step previews on, as the host's engine process runs a job (the
// studio draws them), on inputs of its own (the engine caches encoded contexts by content).
const engineMs: Sample[] = []
const previewMs: Sample[] = []
for (const [i, p] of inputs.entries()) {
  const bytes = new Uint8Array(readFileSync(p))
  engineMs.push(await measured(() => engine.run(job(bytes), { previews: false })))
  const other = new Uint8Array(readFileSync(previewInputs[i] as string))
  previewMs.push(await measured(() => engine.run(job(other), { previews: true, onProgress: () => undefined })))
}
await engine.release()

// (b) The studio host over its WebSocket, its engine in a process of its own (as in the studio).
const hostDir = join(dir, 'host')
mkdirSync(hostDir)
const engineProcess = new EngineProcess({ modelDirs: modelDirs(appRoot, hostDir) })
const studio = openStudio({ projectPath: join(hostDir, 'bench.kstudio'), engine: engineProcess, clock: systemClock })
await engineProcess.start()
const web = await startWebHost(studio, { host: '127.0.0.1', port: 0, token: null, rendererDir: hostDir, log: () => undefined })
const client = await BenchClient.connect(`ws://127.0.0.1:${web.port}/ws`)

/**
 * Sends one edit of an imported node and resolves when the diff that marks its node done arrives
 * (diffs seen before the reply names the node are kept, in case the reply comes after them).
 */
async function hostEdit(parentId: string, blob: string): Promise<void> {
  const settled = new Map<string, string>()
  let nodeId: string | null = null
  let finish: (() => void) | null = null
  const check = () => {
    const status = nodeId === null ? undefined : settled.get(nodeId)
    if (status !== undefined) finish?.()
  }
  const done = new Promise<void>((resolve, reject) => {
    finish = () =>
      settled.get(nodeId as string) === 'done' ? resolve() : reject(new Error(`the host's edit ended ${settled.get(nodeId as string)}`))
  })
  client.onEvent = (e) => {
    if (e.kind !== 'projectChanged') return
    for (const n of e.diff.putNodes ?? []) if (n.status !== 'queued' && n.status !== 'running') settled.set(n.id, n.status)
    check()
  }
  nodeId = (await client.request('generate', { parentId, prompt: PROMPT, contextBlobs: [blob], steps, seed: SEED })).nodeId
  check()
  await done
}
const imported: { nodeId: string; blob: string }[] = []
for (const p of [warmInput as string, ...inputs])
  imported.push(await client.request('importImage', { fileName: 'shot.png', bytes: new Uint8Array(readFileSync(p)) }))
const [warm, ...toEdit] = imported
await hostEdit(warm!.nodeId, warm!.blob)
const hostMs: Sample[] = []
const enginePid = engineProcess.pid
if (enginePid === null) throw new Error('The engine process did not start.')
let engineProcessCpu = 0
for (const m of toEdit) {
  const before = liveCpuMs(enginePid)
  hostMs.push(await measured(() => hostEdit(m.nodeId, m.blob), [enginePid]))
  engineProcessCpu += liveCpuMs(enginePid) - before
}
client.close()
await web.close()
await engineProcess.stop()
await studio.close()

// (c) and (d) The CLI as a user runs it (through the bin shim, as `npx kontext` does).
const bin = join(appRoot, 'bin', 'kontext.js')
const cliArgs = ['--prompt', PROMPT, '--seed', String(SEED), '--steps', String(steps), '--provider', 'cpu', '--json']
const perProcessMs: Sample[] = []
for (const [i, p] of inputs.entries())
  perProcessMs.push(await measured(() => run(process.execPath, [bin, 'edit', '--in', p, ...cliArgs, '--out', join(dir, 'c', `${i}.png`)])))
const manyTotal = await measured(() =>
  run(process.execPath, [bin, 'edit', ...inputs.flatMap((p) => ['--in', p]), ...cliArgs, '--out', join(dir, 'd')]),
)

/**
 * Start-up alone: a `kontext edit` refused at its first input check (exit 3) has started Node,
 * loaded the CLI and the edit command with its engine modules, and done nothing else. From the
 * cached build (as `npx kontext` runs by default) and from source through tsx.
 */
async function startupOnly(fromSource: boolean): Promise<Sample[]> {
  const env = { ...process.env, ...(fromSource ? { KONTEXT_CLI_FROM_SOURCE: '1' } : {}) }
  const out: Sample[] = []
  for (let i = 0; i < 3; i++)
    out.push(
      await measured(() =>
        run(process.execPath, [bin, 'edit', '--in', join(dir, 'absent.png'), ...cliArgs, '--out', join(dir, 'x.png')], { env }).then(
          () => Promise.reject(new Error('the refused edit succeeded')),
          (e: { code?: number }) => (e.code === 3 ? undefined : Promise.reject(e)),
        ),
      ),
    )
  return out
}
const startBuilt = await startupOnly(false)
const startSource = await startupOnly(true)

rmSync(dir, { recursive: true, force: true })
const row = (path: string, samples: readonly Sample[]) => ({
  path,
  wallMs: mean(samples.map((x) => x.wall)),
  medianWallMs: median(samples.map((x) => x.wall)),
  cpuMs: mean(samples.map((x) => x.cpu)),
})
const rows0 = [
  row('(a) engine in-process', engineMs),
  row('(a′) engine in-process, with step previews', previewMs),
  row('(b) studio host over WebSocket', hostMs),
  row('(c) kontext edit, a process per image', perProcessMs),
  {
    ...row(`(d) kontext edit, ${items} inputs in one process`, [{ wall: manyTotal.wall / items, cpu: manyTotal.cpu / items }]),
    medianWallMs: null,
  },
  row('start-up only: `kontext edit` refused at --in (cached build)', startBuilt),
  row('start-up only, from source through tsx (KONTEXT_CLI_FROM_SOURCE=1)', startSource),
]
const base = rows0[0] as (typeof rows0)[number]
const rows = rows0.map((r) => ({ ...r, wallRatio: r.wallMs / base.wallMs, cpuRatio: r.cpuMs / base.cpuMs }))
const machine = { cpus: cpus().length, loadavg: loadavg().map((l) => Number(l.toFixed(2))), node: process.version }
if (values.json)
  console.log(JSON.stringify({ items, steps, model: model.id, machine, rows, hostEngineProcessCpuMs: engineProcessCpu / items }))
else {
  console.log(
    `same edit (${model.id}, ${steps} steps, 64×64, CPU), ${items} images per path; ${machine.cpus} cores, load ${machine.loadavg.join(' ')}`,
  )
  console.log('| path | wall ms/image (mean) | median | × engine (wall) | CPU ms/image | × engine (CPU) |')
  console.log('|---|---:|---:|---:|---:|---:|')
  const f0 = (x: number | null) => (x === null ? '' : x.toFixed(0))
  for (const r of rows)
    console.log(
      `| ${r.path} | ${f0(r.wallMs)} | ${f0(r.medianWallMs)} | ${r.wallRatio.toFixed(2)} | ${f0(r.cpuMs)} | ${r.cpuRatio.toFixed(2)} |`,
    )
  console.log('CPU: all processes involved (this one, the engine process, the CLI processes), from /proc.')
  console.log(
    `(b) CPU split: engine process ${(engineProcessCpu / items).toFixed(0)} ms/image, host (web host, store, this client) the rest.`,
  )
}

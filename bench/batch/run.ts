/**
 * `npm run bench:batch` — throughput of one batch (tiny 64×64 shots on kontext-tiny, --steps 2)
 * five ways, as ratios measured in this one run: `kontext edit` once per image (a process each),
 * `kontext batch` in one process with one item in flight and with two (decode/encode overlapping
 * inference), and 1/2/4 `kontext worker`s through a local Redis (workers started beforehand, as
 * they would be on GPU machines). Also what one item costs Redis: commands, bytes and server CPU,
 * the figures bench/README.md scales from. Besides wall time it counts the CPU time of every
 * process involved (Linux /proc), which a shared, loaded machine does not distort: more processes
 * there get a bigger share of the cores and look faster than they are. Options: --items N (200), --edit-items N (20: a process
 * per image is slow), --steps N (2), --json.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { repoRoot } from '../../engine/cli/modelDirs'
import { writeInputs } from '../../test/integration/batch/inputs'
import { PROMPT } from '../../test/integration/batch/outputs'
import { startRedis, type TestRedis } from '../../test/integration/batch/redisServer'
import { spawnWorker } from '../../test/integration/batch/workers'

const { values } = parseArgs({
  options: { items: { type: 'string' }, 'edit-items': { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } },
})
const items = Number(values.items ?? 200)
const editItems = Math.min(items, Number(values['edit-items'] ?? 20))
const steps = values.steps ?? '2'
const CLI = join(repoRoot, 'engine', 'cli', 'main.ts')

function kontext(...argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, ...argv], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.on('data', (d: Buffer) => (err += d.toString()))
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kontext ${argv[0]} exited ${code}:\n${err.slice(-2000)}`))))
  })
}

/** CPU seconds from /proc: a live process's own (utime+stime), or this process's exited children (cutime+cstime). */
const TICK_S = 0.01 // USER_HZ is 100 on Linux
function statFields(pid: number | 'self'): number[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number)
}
const liveCpu = (pid: number) => ((statFields(pid)[11] ?? 0) + (statFields(pid)[12] ?? 0)) * TICK_S
const childrenCpu = () => ((statFields('self')[13] ?? 0) + (statFields('self')[14] ?? 0)) * TICK_S

/** Wall and CPU seconds of `run`: its exited child processes plus the CPU that `alive` processes spent meanwhile. */
async function measured(run: () => Promise<void>, alive: readonly number[] = []): Promise<{ seconds: number; cpu: number }> {
  const c0 = childrenCpu()
  const a0 = alive.map(liveCpu)
  const t0 = performance.now()
  await run()
  const seconds = (performance.now() - t0) / 1000
  const cpu = childrenCpu() - c0 + alive.reduce((s, pid, i) => s + liveCpu(pid) - (a0[i] ?? 0), 0)
  return { seconds, cpu }
}

const common = ['--prompt', PROMPT, '--steps', steps, '--provider', 'cpu']

async function redisStats(r: TestRedis): Promise<{ calls: number; cpu: number }> {
  const stats = await r.client.info('commandstats')
  const cpu = await r.client.info('cpu')
  const calls = [...stats.matchAll(/calls=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0)
  const num = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(cpu)?.[1] ?? 0)
  return { calls, cpu: num('used_cpu_sys') + num('used_cpu_user') }
}

const dir = mkdtempSync(join(tmpdir(), 'kontext-bench-batch-'))
const inDir = join(dir, 'in')
const editDir = join(dir, 'edit-in')
let redis: TestRedis | undefined
try {
  await writeInputs(inDir, items)
  await writeInputs(editDir, editItems)
  const rows: { how: string; items: number; seconds: number; cpu: number }[] = []

  const edit = await measured(async () => {
    for (const name of readdirSync(editDir))
      await kontext('edit', '--in', join(editDir, name), '--out', join(dir, 'edit-out', name), '--seed', '1', ...common)
  })
  rows.push({ how: '`kontext edit` per image', items: editItems, ...edit })
  for (const depth of ['1', '2'])
    rows.push({
      how: `\`kontext batch\`, one process, ${depth} in flight`,
      items,
      ...(await measured(() => kontext('batch', '--in', inDir, '--out', join(dir, `local${depth}`), '--depth', depth, ...common))),
    })

  redis = await startRedis()
  let perItem = { calls: 0, cpuMs: 0 }
  for (const n of [1, 2, 4]) {
    await redis.client.flushall()
    const workers = Array.from({ length: n }, () => spawnWorker(redis!.url, { shortLocks: false }))
    await Promise.all(workers.map((w) => w.until((e) => e.event === 'ready')))
    await redis.client.config('RESETSTAT')
    const before = await redisStats(redis)
    const m = await measured(
      () => kontext('batch', '--in', inDir, '--out', join(dir, `queue${n}`), '--queue', redis!.url, ...common),
      workers.map((w) => w.proc.pid as number),
    )
    const after = await redisStats(redis)
    if (n === 1) perItem = { calls: (after.calls - before.calls) / items, cpuMs: ((after.cpu - before.cpu) * 1000) / items }
    rows.push({ how: `\`kontext batch --queue\` + ${n} worker${n > 1 ? 's' : ''}`, items, ...m })
    await Promise.all(workers.map((w) => w.stop()))
  }
  const inBytes = readdirSync(inDir).reduce((s, n) => s + statSync(join(inDir, n)).size, 0) / items
  const outBytes = readdirSync(join(dir, 'queue1')).reduce((s, n) => s + statSync(join(dir, 'queue1', n)).size, 0) / items

  const base = rows[2] as (typeof rows)[number]
  const table = rows.map((r) => ({
    ...r,
    perSecond: r.items / r.seconds,
    vsBatch: r.items / r.seconds / (base.items / base.seconds),
    cpuMsPerItem: (r.cpu * 1000) / r.items,
    cpuVsBatch: base.cpu / base.items / (r.cpu / r.items),
  }))
  const redisPerItem = { commands: perItem.calls, serverCpuMs: perItem.cpuMs, inputBytes: inBytes, resultBytes: outBytes }
  if (values.json) console.log(JSON.stringify({ cores: cpus().length, steps: Number(steps), rows: table, redisPerItem }))
  else {
    console.log(`kontext batch throughput — kontext-tiny 64×64, ${steps} steps, ${cpus().length} cores\n`)
    console.log('| how | items | wall s | items/s | × batch | CPU ms/item | × batch per CPU s |\n|---|---:|---:|---:|---:|---:|---:|')
    for (const r of table)
      console.log(
        `| ${r.how} | ${r.items} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(2)} | ${r.vsBatch.toFixed(2)} | ${r.cpuMsPerItem.toFixed(0)} | ${r.cpuVsBatch.toFixed(2)} |`,
      )
    console.log('\n× batch: relative to `kontext batch` in one process with 2 in flight, in this run.')
    console.log(
      `\nRedis per item (1 worker): ${perItem.calls.toFixed(1)} commands, ${perItem.cpuMs.toFixed(2)} ms server CPU, ` +
        `${(inBytes / 1024).toFixed(1)} KiB input + ${(outBytes / 1024).toFixed(1)} KiB result`,
    )
  }
} finally {
  await redis?.stop()
  rmSync(dir, { recursive: true, force: true })
}

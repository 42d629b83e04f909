/**
 * `npx tsx bench/host/stall.ts` — how long one hostile client can make every other client wait:
 * a bystander pings the web host (getProject, one at a time) while a rogue client sends one frame
 * whose JSON header is huge (default 76 MB of `{}`; the reproduction). Prints the
 * bystander's median ping alone (the baseline, measured in the same run), its longest wait while
 * a valid frame of the same size (an import) is handled, then while the rogue frame is, how each
 * was answered, and the host's peak RSS.
 * Options: --mb N (header size)  --pings N (baseline pings)
 * The host runs in this process on a temp project with no engine (the network side is the
 * subject); the rogue runs in a child process.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { systemClock } from '../../main/services/clock'
import { openStudio } from '../../main/services/openStudio'
import { startWebHost } from '../../main/web/webHost'
import { TestClient } from '../../test/integration/host/wsClient'
import { absentEngine } from '../../test/support/absentEngine'

const { values } = parseArgs({ options: { mb: { type: 'string' }, pings: { type: 'string' } } })
const megabytes = Number(values.mb ?? 76)
const baselinePings = Number(values.pings ?? 50)

const dir = mkdtempSync(join(tmpdir(), 'kstudio-stall-'))
const studio = openStudio({ projectPath: join(dir, 'stall.kstudio'), engine: absentEngine, clock: systemClock })
const web = await startWebHost(studio, { host: '127.0.0.1', port: 0, token: null, rendererDir: dir, log: () => undefined })
const bystander = await TestClient.connect(`ws://127.0.0.1:${web.port}/ws`)

let peakRss = process.memoryUsage().rss
const rssSampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20)

async function ping(): Promise<number> {
  const t = performance.now()
  await bystander.request('getProject', {})
  return performance.now() - t
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

for (let i = 0; i < 5; i++) await ping() // warm up
const baseline: number[] = []
for (let i = 0; i < baselinePings; i++) baseline.push(await ping())

/**
 * One rogue in its own process, so building and masking its frame costs the host nothing: it
 * connects, builds its frame, says `sending N`, sends, and reports how the host answered. `header`
 * is the hostile frame; `attachment` is a legitimate frame of the same size (an import's bytes),
 * the reference for what moving that many bytes through the transport costs anyway.
 */
async function rogueRun(
  kind: 'header' | 'attachment',
): Promise<{ bytes: number; outcome: string; ms: number; worst: number; pings: number }> {
  const script = `
const WebSocket = require('ws')
const size = Math.floor(${megabytes} * 1e6)
const header = Buffer.from(${kind === 'header'}
  ? '{"type":"request","id":1,"name":"getProject","params":[' + '{},'.repeat(Math.floor(size / 3) - 1) + '{}]}'
  : '{"type":"request","id":1,"name":"importImage","params":{"fileName":"big.bin","bytes":{"$bin":[0,' + size + ']}}}')
const frame = Buffer.alloc(4 + header.byteLength + (${kind === 'header'} ? 0 : size), 7)
frame.writeUInt32LE(header.byteLength, 0)
header.copy(frame, 4)
const ws = new WebSocket('ws://127.0.0.1:${web.port}/ws')
ws.on('open', () => { console.log('sending ' + frame.byteLength); ws.send(frame) })
ws.on('message', () => { console.log('answered'); process.exit(0) })
ws.on('close', (code, reason) => { console.log('closed ' + code + ' ' + reason); process.exit(0) })
`
  const rogue = spawn(process.execPath, ['-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: rogue.stdout })
  const bytes = await new Promise<number>((resolve) => lines.once('line', (l) => resolve(Number(l.split(' ')[1]))))
  const started = performance.now()
  let outcome: string | null = null
  let ms = 0
  lines.once('line', (line) => {
    outcome = line
    ms = performance.now() - started
  })
  const during: number[] = []
  while (outcome === null) during.push(await ping())
  during.push(await ping()) // the first ping after the rogue was dealt with
  rogue.kill()
  return { bytes, outcome: outcome ?? '', ms, worst: Math.max(...during), pings: during.length }
}

const reference = await rogueRun('attachment')
const hostile = await rogueRun('header')
clearInterval(rssSampler)

const base = median(baseline)
const show = (what: string, r: typeof hostile): void =>
  console.log(
    `${what} (${(r.bytes / 1e6).toFixed(1)} MB frame, ${r.outcome} after ${r.ms.toFixed(0)} ms): ` +
      `bystander's longest wait ${r.worst.toFixed(1)} ms over ${r.pings} pings (${(r.worst / base).toFixed(0)}× the baseline)`,
  )
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`)
console.log(`bystander ping alone: median ${base.toFixed(2)} ms over ${baselinePings}`)
show('reference, a valid import of that size', reference)
show('rogue, a JSON header of {}', hostile)
console.log(`rogue's wait / reference's wait: ${(hostile.worst / reference.worst).toFixed(2)}`)
console.log(`peak RSS of the host process: ${(peakRss / 2 ** 20).toFixed(0)} MiB`)

bystander.close()
await web.close()
await studio.close()
rmSync(dir, { recursive: true, force: true })

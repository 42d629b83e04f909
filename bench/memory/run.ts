/**
 * `npm run bench:memory` — peak RSS of the host's image paths on the largest image the studio
 * accepts (16384² RGBA PNG, a smooth pattern so it does not compress to nothing): import,
 * history thumbnail, node exports at the cap of each format, storyboard PDF and GIF. Each
 * operation runs in a child process of its own on a real project file, so the figure is that
 * operation's peak (max RSS), next to a baseline child that only loads the host and opens the
 * project; beside it, the peak of the image worker that child started (where images are decoded). Generated in a temp dir, deleted afterwards.
 * Options: --side N (default 16384) --pattern smooth|solid
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { imageWorkerPid, runOperation, type Operation } from './operations'

const { values } = parseArgs({
  options: { child: { type: 'string' }, dir: { type: 'string' }, side: { type: 'string' }, pattern: { type: 'string' } },
})

export interface Measured {
  readonly op: string
  readonly ms: number
  readonly peakMB: number
  /** The image worker's peak (VmHWM), where the decoding happens; 0 when the operation started none. */
  readonly workerPeakMB: number
  readonly detail: string
}

const here = fileURLToPath(import.meta.url)

/** One operation in a fresh Node process (tsx loaded as a hook), its report read from stdout. */
function inChild(op: Operation, dir: string): Measured {
  const out = execFileSync(process.execPath, ['--import', 'tsx', here, '--child', op, '--dir', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const line = out.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as Measured
}

async function makeInput(side: number, pattern: string): Promise<Uint8Array> {
  const { default: sharp } = await import('sharp')
  const limitInputPixels = side * side
  if (pattern === 'solid')
    return new Uint8Array(
      await sharp({
        create: { width: side, height: side, channels: 4, background: { r: 40, g: 90, b: 160, alpha: 0.8 } },
        limitInputPixels,
      })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    )
  // A 64² random RGBA tile upscaled smoothly: every pixel differs from its neighbours, as in a photo.
  const tile = Buffer.alloc(64 * 64 * 4)
  for (let i = 0; i < tile.length; i++) tile[i] = (Math.imul(i + 1, 2654435761) >>> 24) & 0xff
  return new Uint8Array(
    await sharp(tile, { raw: { width: 64, height: 64, channels: 4 }, limitInputPixels })
      .resize(side, side, { kernel: 'cubic' })
      // Row filters make the smooth ramps compress about like a photo does (a few to one).
      .png({ compressionLevel: 6, adaptiveFiltering: true })
      .toBuffer(),
  )
}

async function parent(): Promise<void> {
  const side = Number(values.side ?? 16384)
  const pattern = values.pattern ?? 'smooth'
  const dir = mkdtempSync(join(tmpdir(), 'kontext-bench-memory-'))
  try {
    const input = await makeInput(side, pattern)
    writeFileSync(join(dir, 'input.png'), input)
    const rawMB = (side * side * 4) / 2 ** 20
    console.log(
      `bench:memory — ${side}×${side} RGBA PNG (${pattern}, ${(input.byteLength / 2 ** 20).toFixed(0)} MB encoded, ${rawMB.toFixed(0)} MB as raw RGBA), node ${process.version}\n`,
    )
    const ops: Operation[] = [
      'import',
      'baseline',
      'thumbnail',
      'export-png-1x',
      'export-jpeg-1x',
      'export-png-0.5x',
      'export-webp-max',
      'export-png-2x',
      'storyboard-pdf',
      'storyboard-gif',
    ]
    const rows: Measured[] = []
    for (const op of ops) {
      const m = inChild(op, dir)
      rows.push(m)
      console.log(
        `${m.op.padEnd(22)} ${String(m.ms).padStart(7)} ms  host peak RSS ${String(m.peakMB).padStart(5)} MB  image worker ${String(m.workerPeakMB).padStart(5)} MB (${(m.workerPeakMB / rawMB).toFixed(2)}× raw)  ${m.detail}`,
      )
    }
    const base = rows.find((r) => r.op === 'baseline')?.peakMB ?? 0
    const worst = rows.reduce((a, b) => (b.peakMB > a.peakMB ? b : a))
    console.log(
      `\nbaseline (host loaded, project open): ${base} MB; worst: ${worst.op} at ${worst.peakMB} MB (${worst.peakMB - base} MB over the baseline). Project file ${(statSync(join(dir, 'bench.kstudio')).size / 2 ** 20).toFixed(0)} MB.`,
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The image worker's peak resident set (Linux VmHWM, in MB); 0 when none ran or /proc is not there. */
function workerPeak(): number {
  const pid = imageWorkerPid()
  if (pid === null) return 0
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Math.round(Number(kb) / 1024) : 0
  } catch {
    return 0
  }
}

async function child(op: Operation, dir: string): Promise<void> {
  const started = performance.now()
  const detail = await runOperation(op, dir, readFileSync)
  const ms = Math.round(performance.now() - started)
  // maxRSS is this process's peak resident set in KiB (getrusage), whatever happened in between.
  const peakMB = Math.round(process.resourceUsage().maxRSS / 1024)
  process.stdout.write(JSON.stringify({ op, ms, peakMB, workerPeakMB: workerPeak(), detail } satisfies Measured) + '\n')
  process.exit(0)
}

if (values.child) await child(values.child as Operation, values.dir ?? '.')
else await parent()

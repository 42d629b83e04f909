/**
 * `npm run bench:store` — the project store on a big generated project (default 2,000 nodes,
 * 50 frames, 500 MB of images): open time (with its quick_check), load, inserting a node with a
 * 1 MB image (one durable transaction), a frame's lineage, prompt search, and the file size.
 * Goals (issue 6): open < 0.5 s, insert < 10 ms. Generated in a temp dir, deleted afterwards.
 * Options: --nodes N --frames N --mb N --driver better-sqlite3|node:sqlite --reps N
 * Timings are medians (p95 where shown); the machine and its disk cache matter, say which.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { randomBytes } from 'node:crypto'
import { importImage } from '../../core/domain/actions'
import type { NodeId } from '../../core/ids'
import { startupCheck } from '../../main/store/connection'
import { availableDrivers, type DriverName } from '../../main/store/driver'
import { openProjectStore, type SqliteProjectStore } from '../../main/store/sqliteProjectStore'
import { blobFor, generateProject } from './generate'

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    frames: { type: 'string' },
    mb: { type: 'string' },
    driver: { type: 'string' },
    reps: { type: 'string' },
  },
})
let nodes = Number(values.nodes ?? 2000)
const frames = Number(values.frames ?? 50)
let megabytes = Number(values.mb ?? 500)
const reps = Number(values.reps ?? 20)
const driver = (values.driver ?? availableDrivers()[0]?.name) as DriverName

function freeBytes(dir: string): number {
  try {
    // POSIX df: 1K blocks, "Available" is the 4th column of the second line.
    const out = execFileSync('df', ['-Pk', dir], { encoding: 'utf8' }).trim().split('\n')[1] ?? ''
    return Number(out.split(/\s+/)[3]) * 1024
  } catch {
    return Number.POSITIVE_INFINITY
  }
}

// The project, its WAL during generation and the export need ~2.5× the blob bytes.
const needed = megabytes * 1024 * 1024 * 2.5
const free = freeBytes(tmpdir())
if (free < needed) {
  const scale = free / needed
  megabytes = Math.max(10, Math.floor(megabytes * scale * 0.8))
  nodes = Math.max(100, Math.floor(nodes * scale * 0.8))
  console.log(`note: only ${(free / 2 ** 30).toFixed(1)} GiB free in ${tmpdir()}; scaled down to ${nodes} nodes and ${megabytes} MB`)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] as number
const time = (fn: () => void): number => {
  const t = performance.now()
  fn()
  return performance.now() - t
}
const ms = (x: number): string => `${x.toFixed(x < 10 ? 2 : 1)} ms`

function open(path: string): SqliteProjectStore {
  const opened = openProjectStore(path, { driver })
  if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.message}`)
  return opened.value
}

const dir = mkdtempSync(join(tmpdir(), 'kstudio-bench-'))
try {
  const path = join(dir, 'big.kstudio')
  const created = openProjectStore(path, { create: true, driver })
  if (!created.ok) throw new Error(created.error.message)
  const blobBytes = Math.floor((megabytes * 1024 * 1024) / nodes)
  const genStart = performance.now()
  const { frameIds } = generateProject(created.value, { nodes, frames, blobBytes })
  created.value.close()
  const genSeconds = (performance.now() - genStart) / 1000

  const opens: number[] = []
  const checks: number[] = []
  const loads: number[] = []
  for (let i = 0; i < 5; i++) {
    let store: SqliteProjectStore | undefined
    opens.push(time(() => (store = open(path))))
    const s = store as SqliteProjectStore
    checks.push(time(() => startupCheck(s.db)))
    loads.push(time(() => s.load()))
    s.close()
  }

  // Cold open: evict just this file from the page cache (GNU dd's nocache; nothing else is touched).
  let coldOpen: number | null = null
  try {
    execFileSync('dd', [`if=${path}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' })
    let s: SqliteProjectStore | undefined
    coldOpen = time(() => (s = open(path)))
    s?.close()
  } catch {
    coldOpen = null
  }
  const full = open(path)
  const fullQuickCheck = time(() => full.db.prepare('PRAGMA quick_check').all())
  full.close()

  const store = open(path)
  const inserts: number[] = []
  const firstRoot = Object.values(store.load().nodes).find((n) => n.parentId === null)?.id as NodeId
  let state = store.load()
  for (let i = 0; i < reps; i++) {
    const bytes = randomBytes(1024 * 1024)
    const blob = blobFor(bytes)
    const diff = importImage(state, { id: `bench${i}` as NodeId, blob, sourceName: 'x.png', at: i, parentId: firstRoot })
    if (!diff.ok) throw new Error(diff.error.message)
    // What the host does per action: hash check + one durable transaction (state mirroring excluded).
    inserts.push(time(() => store.commit(diff.value, new Map([[blob.hash, bytes]]))))
    state = { ...state, nodes: { ...state.nodes, [`bench${i}`]: diff.value.putNodes?.[0] } } as typeof state
  }
  const hashes = Array.from({ length: reps }, () => {
    const bytes = randomBytes(1024 * 1024)
    return time(() => blobFor(bytes))
  })
  const lineages = frameIds.map((f) => time(() => store.frameLineage(f)))
  const depth = store.frameLineage(frameIds[frameIds.length - 1] as never).length
  const children = Array.from({ length: 50 }, () => time(() => store.childrenOf(firstRoot)))
  const searches = Array.from({ length: 20 }, () => time(() => store.searchNodes('marble table')))
  const reads = Object.keys(state.blobs)
    .slice(0, 50)
    .map((h) => time(() => store.readBlob(h as never)))
  store.close()
  const size = statSync(path).size

  const rows: [string, string, string][] = [
    ['open, warm (lock + startup check + job recovery)', ms(median(opens)), '< 500 ms'],
    ['  of which startup check (quick_check, all but image pages)', ms(median(checks)), ''],
    ['open, file evicted from the page cache first', coldOpen === null ? 'n/a (no GNU dd)' : ms(coldOpen), '< 500 ms'],
    ['(for comparison) full quick_check incl. image pages, warm', ms(fullQuickCheck), ''],
    ['load() whole project state', ms(median(loads)), ''],
    ['insert node + 1 MB blob (sha256 + fsync’d commit)', `${ms(median(inserts))} (p95 ${ms(p95(inserts))})`, '< 10 ms'],
    ['  of which sha256 of the 1 MB (content-address check)', ms(median(hashes)), ''],
    [`frame lineage (depth ${depth})`, `${ms(median(lineages))} (p95 ${ms(p95(lineages))})`, ''],
    ['children of a node', ms(median(children)), ''],
    [`prompt search (${store.fts ? 'FTS5' : 'LIKE'})`, ms(median(searches)), ''],
    [`readBlob (${(blobBytes / 1024).toFixed(0)} KB)`, ms(median(reads)), ''],
    ['file size', `${(size / 2 ** 20).toFixed(1)} MiB`, ''],
  ]
  console.log(`\nstore bench — ${driver}, Node ${process.versions.node}, ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, tmp ${tmpdir()}`)
  console.log(
    `project: ${nodes} nodes, ${frames} frames, ${megabytes} MB of images (${(blobBytes / 1024).toFixed(0)} KB each); generated in ${genSeconds.toFixed(1)} s\n`,
  )
  const w0 = Math.max(...rows.map((r) => r[0].length))
  const w1 = Math.max(...rows.map((r) => r[1].length))
  console.log(`| ${'measure'.padEnd(w0)} | ${'result'.padEnd(w1)} | goal |`)
  console.log(`|${'-'.repeat(w0 + 2)}|${'-'.repeat(w1 + 2)}|------|`)
  for (const [a, b, c] of rows) console.log(`| ${a.padEnd(w0)} | ${b.padEnd(w1)} | ${c} |`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}

/**
 * `npm run bench:batch-estimate` — how close the Batch panel's measured estimate comes: the real
 * host (SQLite project, engine process) times one calibration edit (`calibrateBatch`), then runs
 * the same photos as a studio batch — on the studio's own queue, and on 1 and 2 `kontext worker`s
 * through a local Redis (the studio submitting to the queue) — and prints estimate vs actual wall
 * time. Options: --items N (40), --steps N (2), --json. Figures, never assertions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { RequestName, RequestResults } from '../../core/contract/api'
import { batchItems, estimateFromCalibration } from '../../core/domain/batch'
import { systemClock } from '../../main/services/clock'
import { EngineProcess } from '../../main/services/engineProcess'
import { openStudio } from '../../main/services/openStudio'
import { findAppRoot, modelDirs } from '../../main/services/paths'
import type { StudioHost } from '../../main/services/studioHost'
import { writeInputs } from '../../test/integration/batch/inputs'
import { startRedis } from '../../test/integration/batch/redisServer'
import { spawnWorker } from '../../test/integration/batch/workers'

const { values } = parseArgs({ options: { items: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } } })
const items = Number(values.items ?? 40)
const steps = Number(values.steps ?? 2)
const PROMPT = 'make the background white'

const call = <K extends RequestName>(studio: StudioHost, name: K, params: unknown) =>
  studio.handle(name, params) as Promise<RequestResults[K]>

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-estimate-'))
  const engine = new EngineProcess({ modelDirs: modelDirs(findAppRoot(), dir) })
  const studio = openStudio({ projectPath: join(dir, 'bench.kstudio'), engine, clock: systemClock })
  const redis = await startRedis()
  const rows: { how: string; concurrency: number; estimateS: number; actualS: number }[] = []
  try {
    await engine.start()
    const inDir = join(dir, 'in')
    await writeInputs(inDir, items)
    const photos: { fileName: string; blob: string }[] = []
    for (const name of readdirSync(inDir).sort())
      photos.push({
        fileName: name,
        blob: (await call(studio, 'storeImage', { fileName: name, bytes: new Uint8Array(readFileSync(join(inDir, name))) })).hash,
      })
    // One warm-up edit (sessions load on the first run), then the calibration the panel makes.
    await call(studio, 'calibrateBatch', { blob: photos[0]?.blob, prompt: PROMPT, steps })
    const calibration = await call(studio, 'calibrateBatch', { blob: photos[0]?.blob, prompt: PROMPT, steps })
    const run = async (how: string, concurrency: number, queue?: { url: string }) => {
      const t0 = performance.now()
      const started = await call(studio, 'startBatch', { items: photos, prompt: PROMPT, steps, ...(queue ? { queue } : {}) })
      const settledAll = () =>
        batchItems(studio.session.snapshot(), started.batchId).every((i) => i.status !== 'queued' && i.status !== 'running')
      while (!settledAll()) await new Promise((r) => setTimeout(r, 50))
      rows.push({
        how,
        concurrency,
        estimateS: estimateFromCalibration(calibration, items, concurrency) / 1000,
        actualS: (performance.now() - t0) / 1000,
      })
    }
    await run('studio queue', 1)
    for (const n of [1, 2]) {
      await redis.client.flushall()
      const workers = Array.from({ length: n }, () => spawnWorker(redis.url, { shortLocks: false }))
      await Promise.all(workers.map((w) => w.until((e) => e.event === 'ready')))
      await run(`studio → Redis, ${n} worker${n > 1 ? 's' : ''}`, n, { url: redis.url })
      await Promise.all(workers.map((w) => w.stop()))
    }
    if (values.json) console.log(JSON.stringify({ cores: cpus().length, items, steps, calibrationMs: calibration.editMs, rows }))
    else {
      console.log(
        `Batch estimate vs actual — ${items} × kontext-tiny 64×64, ${steps} steps, ${cpus().length} cores; one edit measured at ${calibration.editMs} ms\n`,
      )
      console.log('| how | at a time | estimate s | actual s | actual ÷ estimate |\n|---|---:|---:|---:|---:|')
      for (const r of rows)
        console.log(
          `| ${r.how} | ${r.concurrency} | ${r.estimateS.toFixed(1)} | ${r.actualS.toFixed(1)} | ${(r.actualS / r.estimateS).toFixed(2)} |`,
        )
    }
  } finally {
    await studio.close()
    await engine.stop()
    await redis.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e))
  process.exitCode = 1
})

/**
 * The engine in its own process, as the studio uses it: jobs stream progress with previews,
 * cancel at a step, and a killed engine fails the job in flight while the next job succeeds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EngineState } from '../../../core/domain/engineTypes'
import { SAMPLING_LIMITS } from '../../../core/limits'
import { StudioError } from '../../../core/result'
import { readPngText } from '../../../engine/image/pngText'
import { EngineProcess } from '../../../main/services/engineProcess'
import { goldenDir, tinyModelDir } from '../../fixtures/engine/paths'

/** A PNG's width and height, from its header. */
const pngSize = (png: Uint8Array) => {
  const v = new DataView(png.buffer, png.byteOffset, png.byteLength)
  return [v.getUint32(16), v.getUint32(20)]
}
const context = new Uint8Array(readFileSync(join(goldenDir, 'c0_context.png')))
const job = { model: 'kontext-tiny', prompt: 'make the yellow ring green', contexts: [context], seed: 7, steps: 8, guidance: 1 }

describe('EngineProcess with the bundled model', () => {
  const logs: string[] = []
  const states: EngineState[] = []
  const engine = new EngineProcess({ modelDirs: [tinyModelDir], provider: 'cpu', log: (l) => logs.push(l) })
  engine.onStateChange((s) => states.push(s))
  beforeAll(() => engine.start())
  afterAll(() => engine.stop())

  it('describes itself and the bundled model', async () => {
    const d = await engine.describe()
    expect(d.state).toBe('ready')
    expect(d.models.map((m) => m.id)).toEqual(['kontext-tiny'])
    expect(d.models[0]?.vocabulary).toContain('ring')
    expect(d.pid).toBe(engine.pid)
  })

  it('runs an edit with one progress event per step, a preview at once, and a PNG carrying its parameters', async () => {
    const progress: { step: number; totalSteps: number }[] = []
    const previews: { step: number; size: number[] }[] = []
    const r = await engine.run(job, {
      onProgress: (p) => {
        progress.push({ step: p.step, totalSteps: p.totalSteps })
        if (p.previewPng) previews.push({ step: p.step, size: pngSize(p.previewPng) })
      },
    })
    expect([r.width, r.height]).toEqual([64, 64])
    expect(progress).toEqual(Array.from({ length: 8 }, (_, i) => ({ step: i + 1, totalSteps: 8 })))
    // The first step's preview comes at once; later ones as the time budget allows; the last step
    // has none (the finished picture follows). Each is at the output's size.
    expect(previews[0]?.step).toBe(1)
    expect(previews.map((p) => p.step)).not.toContain(8)
    for (const p of previews) expect(p.size).toEqual([64, 64])
    const meta = readPngText(r.png)
    expect(meta).toMatchObject({ prompt: job.prompt, seed: '7', steps: '8', model: 'kontext-tiny' })
    expect(r.timingsMs.total).toBeGreaterThan(0)
  })

  it('cancels a running job at its next step', async () => {
    const abort = new AbortController()
    const seen: number[] = []
    const run = engine.run(
      { ...job, steps: SAMPLING_LIMITS.steps.max },
      { signal: abort.signal, onProgress: (p) => (seen.push(p.step), p.step === 2 && abort.abort()) },
    )
    await expect(run).rejects.toMatchObject({ code: 'job.cancelled' })
    expect(seen.length).toBeLessThan(SAMPLING_LIMITS.steps.max)
    expect(engine.currentState).toBe('ready')
  })

  it('fails the job in flight when the engine is killed, restarts, and runs the next job', async () => {
    const pid = engine.pid
    expect(pid).not.toBeNull()
    const run = engine.run(
      { ...job, steps: SAMPLING_LIMITS.steps.max },
      { onProgress: (p) => p.step === 3 && process.kill(pid!, 'SIGKILL') },
    )
    const error = await run.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StudioError)
    // A SIGKILL from outside is `killed`; it reads `oom` only when memory was short meanwhile (a loaded machine).
    expect((error as StudioError).code).toMatch(/^engine\.(killed|oom)$/)
    expect((error as StudioError).message).toMatch(/SIGKILL/)
    expect(states).toContain('crashed')
    const next = await engine.run(job, {})
    expect(next.width).toBe(64)
    expect(engine.pid).not.toBe(pid)
    expect((await engine.describe()).restarts).toBe(1)
  })

  it('refuses a job outside the studio’s limits at once, naming the field, and stays up', async () => {
    const e = await engine.run({ ...job, steps: SAMPLING_LIMITS.steps.max + 1 }, {}).catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'engine.badMessage' })
    expect((e as StudioError).message).toContain('job.steps')
    expect(engine.currentState).toBe('ready')
  })

  it('reports unknown words as a structured error, and the engine stays up', async () => {
    const e = await engine.run({ ...job, prompt: 'make the shoe red' }, {}).catch((x: unknown) => x)
    expect(e).toMatchObject({ code: 'prompt.unknownWords' })
    expect((e as StudioError).hint).toContain('yellow')
    expect(engine.currentState).toBe('ready')
  })
})

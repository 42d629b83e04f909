/**
 * Sequential loading on a small random checkpoint folder: with `sequential` on, each phase of the
 * memory plan holds only its own graphs (CLIP + T5, then the encoder, then the transformer, then
 * the decoder) and nothing stays open after the job; the picture is the same as with every graph
 * held. Off, the graphs stay open for the next job. A job the plan says cannot fit is refused by
 * the engine before anything loads.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { StudioError } from '../../../core/result'
import { KontextEngine } from '../../../engine/engineService'
import { openCheckpointFolder } from '../../../engine/pipeline/checkpointFolder'
import { CheckpointKontextModels } from '../../../engine/pipeline/checkpointModels'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import { pipelineConfig } from '../../../engine/pipeline/ortModels'
import type { KontextModels } from '../../../engine/pipeline/types'
import { SessionPool } from '../../../engine/sessions'
import { TINY } from '../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../support/fluxFolders'

/** What the tiny tensors cannot say (as in checkpointEdit.test.ts): RoPE axes for 16-wide heads, CLIP's heads, a small size. */
const TINY_CONFIG = { rope: { axes: [4, 6, 6], theta: 10000 }, clipHeads: 2, resolutions: [[32, 32]] }

const home = mkdtempSync(join(tmpdir(), 'kontext-seq-'))
afterAll(() => rmSync(home, { recursive: true, force: true }))

async function job(sequential: boolean) {
  const dir = join(home, `m-${sequential}`)
  writeOfficialRelease(dir, TINY)
  writeFileSync(join(dir, 'kontext.json'), JSON.stringify(TINY_CONFIG))
  const folder = openCheckpointFolder(dir, { freeBytes: 64 * 1024 ** 3 })
  if (!folder.ok) throw new Error(folder.error.message)
  const inner = new CheckpointKontextModels(folder.value, {
    providers: ['cpu'],
    files: new SessionPool({ provider: 'cpu' }),
    cacheDir: join(home, 'cache'),
    sequential,
  })
  const seen: Record<string, string[]> = {}
  const note = (what: string) => (seen[what] = inner.openGraphs().sort())
  const models: KontextModels = {
    encodeText: (p) => inner.encodeText(p),
    encodeImage: async (i) => inner.encodeImage(i).finally(() => note('encode')),
    predictVelocity: async (v) => inner.predictVelocity(v).finally(() => note('denoise')),
    decode: async (l) => inner.decode(l).finally(() => note('decode')),
    enterPhase: async (phase) => {
      if (phase === 'encode') note('text')
      await inner.enterPhase(phase)
    },
  }
  const planes = { data: new Float32Array(3 * 32 * 32).fill(0.2), channels: 3, width: 32, height: 32 }
  const out = await new KontextPipeline(models, pipelineConfig(folder.value.manifest)).generate({
    prompt: 'a red cat',
    contexts: [{ hash: 'c', width: 32, height: 32, load: async () => planes }],
    seed: 3,
    steps: 2,
    guidance: 2.5,
  })
  const after = inner.openGraphs()
  await inner.release()
  return { seen, after, image: out.image.data }
}

describe('sequential phases', () => {
  it('holds only the current phase’s graphs and releases the last after the job; the same picture as all held', async () => {
    const seq = await job(true)
    expect(seq.seen).toEqual({
      text: ['clip', 't5'],
      encode: ['ae-encode'],
      denoise: ['transformer'],
      decode: ['ae-decode'],
    })
    expect(seq.after).toEqual([])
    const held = await job(false)
    expect(held.seen.decode).toEqual(['ae-decode', 'ae-encode', 'clip', 't5', 'transformer'])
    expect(held.after.length).toBe(5)
    expect(Array.from(seq.image)).toEqual(Array.from(held.image))
  })
})

describe('a job that does not fit', () => {
  it('is refused naming the phase, the need and the free memory; the same job runs when memory is free', async () => {
    const dir = join(home, 'engine')
    writeOfficialRelease(dir, TINY)
    writeFileSync(join(dir, 'kontext.json'), JSON.stringify(TINY_CONFIG))
    const png = await sharp(Buffer.alloc(32 * 32 * 3, 90), { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toBuffer()
    let free = 64 * 1024 ** 3
    const saved = process.env.KONTEXT_STUDIO_HOME
    process.env.KONTEXT_STUDIO_HOME = join(home, 'studio')
    const engine = new KontextEngine({ modelDirs: [dir], provider: 'cpu', freeMemory: () => free })
    try {
      const id = engine.summaries()[0]!.id
      const job = { model: id, prompt: 'a red cat', contexts: [new Uint8Array(png)], seed: 1, steps: 1, guidance: 2.5 }
      free = 64 * 1024 ** 2
      const refused = await engine.run(job).then(
        () => null,
        (e: unknown) => e,
      )
      expect(refused).toBeInstanceOf(StudioError)
      const data = (refused as StudioError).toData()
      expect(data.code).toBe('job.tooLarge')
      expect(data.message).toMatch(
        /^A 32×32 job with 1 reference image needs about 0\.\d GiB while \w[\w ]+ \(.+\), even loading one phase at a time; 0\.1 GiB of memory is free\.$/,
      )
      free = 64 * 1024 ** 3
      const ran = await engine.run(job)
      expect([ran.width, ran.height]).toEqual([32, 32])
    } finally {
      await engine.release()
      if (saved === undefined) delete process.env.KONTEXT_STUDIO_HOME
      else process.env.KONTEXT_STUDIO_HOME = saved
    }
  })
})

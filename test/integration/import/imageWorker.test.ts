/**
 * Every user image is decoded in the image worker, a process beside the host. A decoder that dies
 * mid-request (here: the worker killed with SIGKILL the moment an import reaches it) fails that
 * import with a sentence naming the file; the studio stays up, nothing is stored, and the next
 * import runs on a fresh worker. Real worker processes; the spawn is only wrapped so the test can
 * reach the child.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import type { ImportResult } from '../../../core/contract/api'
import type { EngineLike } from '../../../main/services/engineLike'
import { spawnEngineChild, type EngineChild, type SpawnOptions } from '../../../main/services/engineProcessChild'
import { ImageWorker } from '../../../main/services/imageWorker'
import { ProjectSession } from '../../../main/services/projectSession'
import { StudioHost } from '../../../main/services/studioHost'
import { addPngText } from '../../../engine/image/pngText'
import { MemoryProjectStore } from '../../support/memoryStore'
import { repoRoot } from '../../fixtures/engine/paths'

let counter = 0
const clock = { now: () => 1_700_000_000_000 + counter, newId: () => `id${++counter}`, newSeed: () => 42 }
const idleEngine: EngineLike = {
  start: async () => undefined,
  describe: () => Promise.reject(new Error('not used')),
  run: () => Promise.reject(new Error('not used')),
  onStateChange: () => () => undefined,
  stop: async () => undefined,
}

const photo = async (r: number): Promise<Uint8Array> =>
  new Uint8Array(
    await sharp({ create: { width: 64, height: 48, channels: 4, background: { r, g: 90, b: 200, alpha: 0.5 } } })
      .png()
      .toBuffer(),
  )

/** A worker whose next `ingest` message arrives at a stopped process that is then killed with SIGKILL. */
function killableWorker(): { images: ImageWorker; killNextIngest(): void } {
  let armed = false
  const spawn = async (opts: SpawnOptions): Promise<EngineChild> => {
    const child = await spawnEngineChild(opts)
    return {
      ...child,
      get pid() {
        return child.pid
      },
      send(message) {
        const kill = armed && (message as { type?: string }).type === 'ingest'
        // Stopped before the message is written, killed after: the worker cannot answer in
        // between, however the loaded machine schedules the two processes.
        if (kill) process.kill(child.pid as number, 'SIGSTOP')
        child.send(message)
        if (kill) {
          armed = false
          process.kill(child.pid as number, 'SIGKILL')
        }
      },
    }
  }
  return { images: new ImageWorker({ spawn }), killNextIngest: () => (armed = true) }
}

const { images, killNextIngest } = killableWorker()
const session = new ProjectSession(new MemoryProjectStore())
const host = new StudioHost(session, idleEngine, clock, images)
afterAll(async () => {
  await host.close()
  await images.stop()
})

const importFile = (fileName: string, bytes: Uint8Array) => host.handle('importImage', { fileName, bytes }) as Promise<ImportResult>

describe('an image worker killed during an import', () => {
  it('fails that import with a reason, keeps the studio up, and serves the next import from a new worker', async () => {
    await importFile('first.png', await photo(10))
    const firstPid = images.pid
    expect(images.starts).toBe(1)

    killNextIngest()
    await expect(importFile('holiday.png', await photo(20))).rejects.toMatchObject({
      code: 'image.workerCrashed',
      message: 'The image decoder stopped while reading “holiday.png”.',
      hint: expect.stringContaining('try again'),
    })
    // The failed import left no trace: one node, one blob.
    expect(Object.keys(session.snapshot().nodes)).toHaveLength(1)
    expect(Object.keys(session.snapshot().blobs)).toHaveLength(1)

    const again = await importFile('holiday.png', await photo(20))
    expect(images.starts).toBe(2)
    expect(images.pid).not.toBe(firstPid)
    const blob = session.snapshot().blobs[again.blob]
    expect(blob).toMatchObject({ width: 64, height: 48, format: 'png', hasAlpha: true })
    expect(Object.keys(session.snapshot().nodes)).toHaveLength(2)
  })

  it('still refuses a bad file with its own sentence (from the worker), and stores nothing', async () => {
    const png = await photo(30)
    const before = Object.keys(session.snapshot().nodes).length
    await expect(importFile('cut.png', png.subarray(0, png.length - 40))).rejects.toMatchObject({ code: 'image.corrupt' })
    await expect(importFile('empty.png', new Uint8Array(0))).rejects.toMatchObject({ code: 'image.empty' })
    expect(Object.keys(session.snapshot().nodes)).toHaveLength(before)
  })

  it('reads the settings a dropped studio PNG carries (its text chunks, read in the worker)', async () => {
    const made = addPngText(await photo(40), { prompt: 'make it dusk', seed: '7', steps: '12', software: 'Kontext Studio' })
    const result = await importFile('made.png', made)
    expect(result.settings).toMatchObject({ prompt: 'make it dusk', seed: 7, steps: 12 })
  })

  it('makes thumbnails and measures drift in the worker', async () => {
    const a = await importFile('a.png', await photo(50))
    const b = await importFile('b.png', await photo(250))
    const thumb = await host.thumbnails.get(a.blob)
    if (!thumb) throw new Error('no thumbnail')
    expect((await sharp(thumb).metadata()).width).toBe(64)
    const drift = (await host.handle('measureDrift', { nodeId: b.nodeId, against: a.nodeId })) as { between: number | null }
    expect(drift.between).toBeGreaterThan(0)
  })
})

describe('an idle image worker', () => {
  it(
    'does not keep the host process alive once nothing is asked of it',
    async () => {
      // The process's only work is one thumbnail; afterwards it must exit on its own, as a finished
      // CLI or bench does (the worker's piped stdout/stderr once kept it running for ever).
      const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'fixtures', 'host', 'idleImageWorker.ts')], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))
      expect(out).toMatch(/^thumbnail \d+ bytes/)
      expect(code).toBe(0)
    },
    // A last-resort guard only: the process exits in a few seconds, or never.
    180_000,
  )
})

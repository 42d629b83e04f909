/** Starts a real host (SQLite project, engine process, web host) on a temp project for a test file. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import type { StudioErrorData } from '../../../core/result'
import { systemClock } from '../../../main/services/clock'
import { EngineProcess } from '../../../main/services/engineProcess'
import { openStudio } from '../../../main/services/openStudio'
import { findAppRoot, modelDirs } from '../../../main/services/paths'
import type { StudioHost } from '../../../main/services/studioHost'
import { startWebHost, type RunningWebHost } from '../../../main/web/webHost'
import { TestClient } from './wsClient'

export interface TestHost {
  readonly dir: string
  readonly projectPath: string
  readonly engine: EngineProcess
  readonly studio: StudioHost
  readonly web: RunningWebHost
  readonly client: TestClient
  stop(): Promise<void>
}

export const appRoot = findAppRoot()

export async function startTestHost(): Promise<TestHost> {
  const dir = mkdtempSync(join(tmpdir(), 'kstudio-host-'))
  const projectPath = join(dir, 'test.kstudio')
  const engine = new EngineProcess({ modelDirs: modelDirs(appRoot, dir) })
  const studio = openStudio({ projectPath, engine, clock: systemClock })
  await engine.start()
  const web = await startWebHost(studio, {
    host: '127.0.0.1',
    port: 0,
    token: null,
    rendererDir: join(appRoot, 'out', 'renderer'),
    log: () => undefined,
  })
  const client = await TestClient.connect(`ws://127.0.0.1:${web.port}/ws`)
  return {
    dir,
    projectPath,
    engine,
    studio,
    web,
    client,
    async stop() {
      client.close()
      await web.close()
      await engine.stop()
      await studio.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export const solidPng = async (width: number, height: number, rgb: [number, number, number]): Promise<Uint8Array> =>
  new Uint8Array(
    await sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
      .png()
      .toBuffer(),
  )

export async function rejection(p: Promise<unknown>): Promise<StudioErrorData> {
  try {
    await p
  } catch (e) {
    return e as StudioErrorData
  }
  throw new Error('expected the request to fail')
}

/** Waits until the node is settled (done, failed or cancelled) and returns its final record. */
export async function settled(client: TestClient, nodeId: string) {
  for (let i = 0; i < 600; i++) {
    const node = (await client.request('getProject', {})).nodes[nodeId as never]
    if (node && node.status !== 'queued' && node.status !== 'running') return node
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`node ${nodeId} never settled`)
}

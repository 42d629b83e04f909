import sharp from 'sharp'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebHost } from '../../../main/web/webHost'
import { appRoot, rejection, solidPng, startTestHost, type TestHost } from './testHost'
import { TestClient } from './wsClient'

let host: TestHost
let client: TestClient
let web: TestHost['web']
let studio: TestHost['studio']

const redSquare = (): Promise<Uint8Array> => solidPng(64, 64, [235, 40, 40])

beforeAll(async () => {
  host = await startTestHost()
  ;({ client, web, studio } = host)
})
afterAll(async () => host?.stop())

describe('the host over a real WebSocket', () => {
  it('imports a photo as a root node, announces it, and serves its bytes by hash', async () => {
    const png = await redSquare()
    const result = await client.request('importImage', { fileName: 'red.png', bytes: png })
    const project = await client.request('getProject', {})
    expect(project.nodes[result.nodeId]?.kind).toBe('import')
    expect(project.nodes[result.nodeId]?.sourceName).toBe('red.png')
    await client.waitFor((e) => e.kind === 'projectChanged' && (e.diff.putNodes ?? []).some((n) => n.id === result.nodeId))
    const served = await fetch(`http://127.0.0.1:${web.port}/blob/${result.blob}`)
    expect(served.status).toBe(200)
    const { data, info } = await sharp(Buffer.from(await served.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true })
    expect([info.width, info.height, data[0], data[1], data[2]]).toEqual([64, 64, 235, 40, 40])
    const thumb = await fetch(`http://127.0.0.1:${web.port}/thumb/${result.blob}`)
    expect(thumb.headers.get('content-type')).toBe('image/png')
    expect((await fetch(`http://127.0.0.1:${web.port}/blob/${'0'.repeat(64)}`)).status).toBe(404)
  })

  it('refuses a file that is not an image with a message, and adds nothing', async () => {
    const before = Object.keys((await client.request('getProject', {})).nodes).length
    const error = await rejection(
      client.request('importImage', { fileName: 'notes.txt', bytes: new TextEncoder().encode('not a picture') }),
    )
    expect(error.code).toBe('image.notAnImage')
    expect(error.message).toContain('notes.txt')
    expect(Object.keys((await client.request('getProject', {})).nodes)).toHaveLength(before)
  })

  it('validates every request and names what is wrong', async () => {
    const unknown = await rejection(client.send('deleteEverything', {}))
    expect(unknown.code).toBe('request.unknown')
    const invalid = await rejection(client.send('setNodeStarred', { nodeId: '../../etc/passwd', starred: 'yes' }))
    expect(invalid.code).toBe('request.invalid')
    expect(invalid.message).toContain('starred')
  })

  it('drops a client that sends a malformed frame, and keeps serving others', async () => {
    const rogue = await TestClient.connect(`ws://127.0.0.1:${web.port}/ws`)
    const closed = rogue.closed()
    rogue.sendRaw(new Uint8Array([255, 255, 255, 255, 1, 2]))
    expect(await closed).toBe(1007)
    expect((await client.request('getProject', {})).project.name).toBeTruthy()
  })

  it('refuses a WebSocket from another origin', async () => {
    await expect(TestClient.connect(`ws://127.0.0.1:${web.port}/ws`, { Origin: 'http://evil.example' })).rejects.toThrow(/403/)
  })

  it('runs an edit through the engine process with per-step progress, and stores the result as a child', async () => {
    const { nodeId: parentId, blob } = await client.request('importImage', { fileName: 'scene.png', bytes: await redSquare() })
    const job = await client.request('generate', {
      parentId,
      prompt: 'change the background to navy',
      contextBlobs: [blob],
      steps: 4,
      seed: 3,
    })
    const done = await client.waitFor(
      (e) =>
        e.kind === 'projectChanged' &&
        (e.diff.putNodes ?? []).some((n) => n.id === job.nodeId && n.status !== 'queued' && n.status !== 'running'),
    )
    const node = done.kind === 'projectChanged' ? done.diff.putNodes?.find((n) => n.id === job.nodeId) : undefined
    expect(node?.error ?? null).toBeNull()
    expect(node?.status).toBe('done')
    expect(node?.parentId).toBe(parentId)
    const steps = client.events.filter((e) => e.kind === 'jobProgress' && e.jobId === job.jobId)
    expect(steps.map((e) => (e.kind === 'jobProgress' ? e.step : -1))).toEqual([1, 2, 3, 4])
  })
})

describe('a host bound beyond loopback', () => {
  it('requires the token on every request', async () => {
    const exposed = await startWebHost(studio, {
      host: '0.0.0.0',
      port: 0,
      token: 'a-long-enough-secret-token',
      rendererDir: join(appRoot, 'out', 'renderer'),
      log: () => undefined,
    })
    try {
      expect((await fetch(`http://127.0.0.1:${exposed.port}/`)).status).toBe(401)
      await expect(TestClient.connect(`ws://127.0.0.1:${exposed.port}/ws`)).rejects.toThrow(/401/)
      const withToken = await TestClient.connect(`ws://127.0.0.1:${exposed.port}/ws`, {
        Cookie: 'kstudio_token=a-long-enough-secret-token',
      })
      expect((await withToken.request('getProject', {})).project).toBeDefined()
      withToken.close()
    } finally {
      await exposed.close()
    }
  })
  it('says which port is taken and what to do', async () => {
    await expect(
      startWebHost(studio, { host: '127.0.0.1', port: web.port, token: null, rendererDir: '.', log: () => undefined }),
    ).rejects.toThrow(/already in use.*--port/)
  })
  it('will not start without a token', async () => {
    await expect(startWebHost(studio, { host: '0.0.0.0', port: 0, token: null, rendererDir: '.', log: () => undefined })).rejects.toThrow(
      /token/,
    )
  })
})

/**
 * The largest image the studio accepts (16384² px) works everywhere the host shows or exports it:
 * the history thumbnail (what `/thumb` serves), node exports within the cap, and storyboard
 * exports. Exports over the cap are refused up front with the largest scale that fits.
 * The image is a greyscale PNG of one value, made in a quarter of a second (test/support).
 */
import { PDFDocument } from 'pdf-lib'
import sharp from 'sharp'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NodeId } from '../../../core/ids'
import { asFrameId } from '../../../core/ids'
import { insertFrame } from '../../../core/domain/storyboard'
import { exportNode, exportStoryboard } from '../../../main/services/exportService'
import { importImageFile } from '../../../main/services/importService'
import { ProjectSession } from '../../../main/services/projectSession'
import type { EngineLike } from '../../../main/services/engineLike'
import { ImageWorker } from '../../../main/services/imageWorker'
import { StudioHost } from '../../../main/services/studioHost'
import { ThumbnailCache, THUMBNAIL_SIZE } from '../../../main/services/thumbnails'
import { startWebHost } from '../../../main/web/webHost'
import { readPngText } from '../../../engine/image/pngText'
import { MemoryProjectStore } from '../../support/memoryStore'
import { solidGreyPng } from '../../support/solidPng'

const SIDE = 16384
const GREY = 90
let counter = 0
const clock = { now: () => 1_700_000_000_000 + counter, newId: () => `id${++counter}`, newSeed: () => 42 }

/** Reads a file's size from its header and one pixel with a streamed crop (never the whole image raw). */
async function probe(bytes: Uint8Array, x: number, y: number) {
  const image = sharp(bytes, { limitInputPixels: false })
  const meta = await image.metadata()
  const { data } = await image.extract({ left: x, top: y, width: 1, height: 1 }).removeAlpha().raw().toBuffer({ resolveWithObject: true })
  return { format: meta.format, width: meta.width, height: meta.height, pixel: Array.from(data) }
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p
  } catch (e) {
    return e as { code: string; message: string; hint?: string }
  }
  throw new Error('expected the export to be refused')
}

let session: ProjectSession
let nodeId: NodeId
const dir = mkdtempSync(join(tmpdir(), 'kstudio-huge-'))
const images = new ImageWorker()
afterAll(async () => {
  await images.stop()
  rmSync(dir, { recursive: true, force: true })
})

beforeAll(async () => {
  session = new ProjectSession(new MemoryProjectStore())
  const imported = await importImageFile(session, clock, images, { fileName: 'huge.png', bytes: await solidGreyPng(SIDE, SIDE, GREY) })
  nodeId = imported.nodeId
  session.apply(insertFrame(session.snapshot(), { frameId: asFrameId('f1'), nodeId, title: 'Huge', at: 1 }))
})

describe(`a ${SIDE}² image, the largest the studio accepts`, () => {
  it('imports at its full size', () => {
    const node = session.snapshot().nodes[nodeId]
    const blob = node?.resultBlob ? session.snapshot().blobs[node.resultBlob] : undefined
    expect([blob?.width, blob?.height]).toEqual([SIDE, SIDE])
  })

  it('has a history thumbnail (what /thumb serves) of the right size and colour', async () => {
    const hash = session.snapshot().nodes[nodeId]?.resultBlob
    if (!hash) throw new Error('no blob')
    const thumb = await new ThumbnailCache(session, images).get(hash)
    if (!thumb) throw new Error('no thumbnail')
    const seen = await probe(thumb, 80, 80)
    expect([seen.width, seen.height]).toEqual([THUMBNAIL_SIZE, THUMBNAIL_SIZE])
    expect(seen.pixel[0]).toBe(GREY)
  })

  it('is served by the web host’s /thumb (it answered 500 before)', async () => {
    const hash = session.snapshot().nodes[nodeId]?.resultBlob
    // No job runs here: an engine that is never asked for anything.
    const idleEngine: EngineLike = {
      start: async () => undefined,
      describe: () => Promise.reject(new Error('not used')),
      run: () => Promise.reject(new Error('not used')),
      onStateChange: () => () => undefined,
      stop: async () => undefined,
    }
    const web = await startWebHost(new StudioHost(session, idleEngine, clock, images), {
      host: '127.0.0.1',
      port: 0,
      token: null,
      rendererDir: dir,
      log: () => undefined,
    })
    try {
      const res = await fetch(`http://127.0.0.1:${web.port}/thumb/${hash}`)
      expect(res.status).toBe(200)
      const seen = await probe(new Uint8Array(await res.arrayBuffer()), 10, 10)
      expect([seen.format, seen.width, seen.height]).toEqual(['png', THUMBNAIL_SIZE, THUMBNAIL_SIZE])
    } finally {
      await web.close()
    }
  })

  it('exports as PNG at 1× with its lineage, and as JPEG at 0.5×', async () => {
    const png = await exportNode(session, images, { nodeId, format: 'png', scale: 1 })
    const seenPng = await probe(png.bytes, SIDE - 1, SIDE - 1)
    expect(seenPng).toMatchObject({ format: 'png', width: SIDE, height: SIDE })
    expect(seenPng.pixel[0]).toBe(GREY)
    expect(readPngText(png.bytes)).toMatchObject({ source: 'huge.png', software: 'Kontext Studio' })
    const jpeg = await exportNode(session, images, { nodeId, format: 'jpeg', scale: 0.5 })
    const seenJpeg = await probe(jpeg.bytes, 4000, 4000)
    expect(seenJpeg).toMatchObject({ format: 'jpeg', width: SIDE / 2, height: SIDE / 2 })
    expect(Math.abs((seenJpeg.pixel[0] ?? 0) - GREY)).toBeLessThanOrEqual(2)
  })

  it('refuses exports over the cap before starting, naming the largest scale that fits', async () => {
    const twice = await rejection(exportNode(session, images, { nodeId, format: 'png', scale: 2 }))
    expect(twice.code).toBe('export.tooLarge')
    expect(twice.message).toContain('32768×32768 px')
    expect(twice.hint).toContain('largest scale that can be exported as PNG is 1×')
    const webp = await rejection(exportNode(session, images, { nodeId, format: 'webp', scale: 1 }))
    expect(webp.code).toBe('export.tooLarge')
    expect(webp.hint).toContain('WEBP is 0.25× (4096×4096 px)')
  })

  it('goes into a storyboard PDF and GIF', async () => {
    const pdf = await exportStoryboard(session, images, { format: 'pdf' })
    expect((await PDFDocument.load(pdf.bytes)).getPageCount()).toBe(1)
    const gif = await exportStoryboard(session, images, { format: 'gif' })
    const seen = await probe(gif.bytes, 10, 10)
    expect([seen.format, seen.width, seen.height]).toEqual(['gif', 640, 640])
    expect(Math.abs((seen.pixel[0] ?? 0) - GREY)).toBeLessThanOrEqual(2)
  })
})

import { PDFDocument } from 'pdf-lib'
import sharp from 'sharp'
import { unzipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { importImageFile } from '../../../main/services/importService'
import { ImageWorker } from '../../../main/services/imageWorker'
import { ProjectSession } from '../../../main/services/projectSession'
import { exportBranch, exportNode, exportStoryboard } from '../../../main/services/exportService'
import { insertFrame, moveFrame, updateFrame } from '../../../core/domain/storyboard'
import { asFrameId } from '../../../core/ids'
import { readPngText } from '../../../engine/image/pngText'
import { MemoryProjectStore } from '../../support/memoryStore'
import { pdfTexts } from '../../support/pdfText'

// Every image is decoded and encoded in the image worker, as in the studio.
const images = new ImageWorker()
afterAll(() => images.stop())

let counter = 0
const clock = { now: () => 1_700_000_000_000 + counter, newId: () => `id${++counter}`, newSeed: () => 42 }
const colour = async (r: number, g: number, b: number) =>
  new Uint8Array(
    await sharp({ create: { width: 96, height: 64, channels: 3, background: { r, g, b } } })
      .png()
      .toBuffer(),
  )

/** Counts the image frames of a GIF by walking its blocks (not by trusting the encoder). */
function gifFrames(gif: Uint8Array): { frames: number; delays: number[] } {
  let at = 13 + ((gif[10] as number) & 0x80 ? 3 * 2 ** (((gif[10] as number) & 7) + 1) : 0)
  const delays: number[] = []
  let frames = 0
  const skipSubBlocks = () => {
    while (gif[at] !== 0) at += (gif[at] as number) + 1
    at++
  }
  while (at < gif.length) {
    const block = gif[at]
    if (block === 0x3b) break
    if (block === 0x21) {
      if (gif[at + 1] === 0xf9) delays.push(((gif[at + 4] as number) | ((gif[at + 5] as number) << 8)) * 10)
      at += 2
      skipSubBlocks()
    } else if (block === 0x2c) {
      frames++
      const packed = gif[at + 9] as number
      at += 10 + (packed & 0x80 ? 3 * 2 ** ((packed & 7) + 1) : 0)
      at++ // LZW minimum code size
      skipSubBlocks()
    } else throw new Error(`unexpected GIF block ${block}`)
  }
  return { frames, delays }
}

async function boardOf(n: number): Promise<ProjectSession> {
  const session = new ProjectSession(new MemoryProjectStore())
  for (let i = 0; i < n; i++) {
    const { nodeId } = await importImageFile(session, clock, images, { fileName: `shot${i}.png`, bytes: await colour(40 * i, 100, 200) })
    const frameId = asFrameId(`f${i}`)
    session.apply(insertFrame(session.snapshot(), { frameId, nodeId, title: `Shot ${i + 1}`, at: i }))
    session.apply(updateFrame(session.snapshot(), { frameId, notes: `notes for shot ${i + 1}`, durationMs: 500 + 100 * i, at: i }))
  }
  return session
}

describe('storyboard exports', () => {
  it('the PDF numbers shots by their place after a reorder, and prints each shot’s instruction and notes', async () => {
    const session = await boardOf(3)
    session.apply(moveFrame(session.snapshot(), { frameId: asFrameId('f2'), toIndex: 0, at: 9 }))
    const texts = await pdfTexts((await exportStoryboard(session, images, { format: 'pdf' })).bytes)
    expect(texts).toContain('1. Shot 1')
    expect(texts).toContain('3. Shot 3')
    expect(texts.some((t) => /Shot 4|2\. Shot 3/.test(t))).toBe(false)
    // The frame that moved first still carries its own notes (the third import's).
    expect(texts.indexOf('notes for shot 3')).toBeLessThan(texts.indexOf('notes for shot 1'))
  })

  it('a PDF contact sheet opens and has one page per six frames', async () => {
    const file = await exportStoryboard(await boardOf(7), images, { format: 'pdf' })
    const pdf = await PDFDocument.load(file.bytes)
    expect(pdf.getPageCount()).toBe(2)
    expect(file.mimeType).toBe('application/pdf')
  })

  it('a GIF animatic has one image per frame, each shown for its duration', async () => {
    const file = await exportStoryboard(await boardOf(3), images, { format: 'gif' })
    expect(new TextDecoder().decode(file.bytes.subarray(0, 6))).toBe('GIF89a')
    const { frames, delays } = gifFrames(file.bytes)
    expect(frames).toBe(3)
    expect(delays).toEqual([500, 600, 700])
  })

  it('a numbered PNG sequence zips the frames in order with their timing', async () => {
    const file = await exportStoryboard(await boardOf(3), images, { format: 'png-sequence' })
    const files = unzipSync(file.bytes)
    expect(Object.keys(files).sort()).toEqual(['001-Shot-1.png', '002-Shot-2.png', '003-Shot-3.png', 'storyboard.json'])
    const timing = JSON.parse(new TextDecoder().decode(files['storyboard.json'])) as { frames: { durationMs: number }[] }
    expect(timing.frames.map((f) => f.durationMs)).toEqual([500, 600, 700])
  })

  it('an empty storyboard is refused with what to do', async () => {
    await expect(exportStoryboard(new ProjectSession(new MemoryProjectStore()), images, { format: 'pdf' })).rejects.toMatchObject({
      code: 'storyboard.empty',
    })
  })
})

describe('node and branch exports', () => {
  it('a PNG export keeps the pixels and says where it came from', async () => {
    const session = await boardOf(1)
    const node = Object.values(session.snapshot().nodes)[0]
    if (!node) throw new Error('no node')
    const file = await exportNode(session, images, { nodeId: node.id, format: 'png' })
    expect(readPngText(file.bytes).source).toBe('shot0.png')
    const half = await exportNode(session, images, { nodeId: node.id, format: 'jpeg', scale: 0.5 })
    expect((await sharp(half.bytes).metadata()).width).toBe(48)
  })

  it('a branch export holds each image and a lineage file', async () => {
    const session = await boardOf(1)
    const node = Object.values(session.snapshot().nodes)[0]
    if (!node) throw new Error('no node')
    const files = unzipSync(exportBranch(session, { leafId: node.id }).bytes)
    const lineage = JSON.parse(new TextDecoder().decode(files['lineage.json'])) as { nodes: { id: string; file: string }[] }
    expect(lineage.nodes.map((n) => n.id)).toEqual([node.id])
    expect(files[lineage.nodes[0]?.file ?? '']).toBeDefined()
  })
})

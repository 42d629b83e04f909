/**
 * `npx tsx bench/imageWorker/importTime.ts [--side N] [--rounds N]` — what decoding in the image
 * worker costs an import: the one ingest (decode → normalise → hash → BlobMeta) on the same
 * image in this process (the baseline: how the host did it before) and through a warm worker
 * (the bytes to it and the PNG back, structured clone over IPC). Interleaved rounds; prints the
 * medians and their ratio. A smooth RGBA PNG and a JPEG of the same picture.
 */
import { parseArgs } from 'node:util'
import sharp from 'sharp'
import { ingestImage } from '../../engine/image/ingest'
import { ImageWorker } from '../../main/services/imageWorker'

const { values } = parseArgs({ options: { side: { type: 'string' }, rounds: { type: 'string' } } })
const side = Number(values.side ?? 2048)
const rounds = Number(values.rounds ?? 7)

async function picture(): Promise<{ png: Uint8Array; jpeg: Uint8Array }> {
  const tile = Buffer.alloc(64 * 64 * 4)
  for (let i = 0; i < tile.length; i++) tile[i] = (Math.imul(i + 1, 2654435761) >>> 24) & 0xff
  const big = sharp(tile, { raw: { width: 64, height: 64, channels: 4 } }).resize(side, side, { kernel: 'cubic' })
  const png = new Uint8Array(await big.clone().png({ compressionLevel: 6, adaptiveFiltering: true }).toBuffer())
  const jpeg = new Uint8Array(await big.clone().flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer())
  return { png, jpeg }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function time(run: () => Promise<unknown>): Promise<number> {
  const t = performance.now()
  await run()
  return performance.now() - t
}

const images = new ImageWorker()
try {
  const inputs = await picture()
  console.log(`bench imageWorker — ingest of a ${side}² picture, ${rounds} interleaved rounds, node ${process.version}`)
  for (const [name, bytes] of Object.entries(inputs)) {
    const inProcess: number[] = []
    const worker: number[] = []
    // Warm both paths (the worker's start-up is not what an import pays after the first one).
    await ingestImage(bytes, `in.${name}`)
    await images.ingest(bytes, `in.${name}`)
    for (let r = 0; r < rounds; r++) {
      inProcess.push(
        await time(async () => {
          const done = await ingestImage(bytes, `in.${name}`)
          if (!done.ok) throw new Error(done.error.message)
        }),
      )
      worker.push(await time(() => images.ingest(bytes, `in.${name}`)))
    }
    const a = median(inProcess)
    const b = median(worker)
    console.log(
      `${name.padEnd(5)} ${(bytes.byteLength / 2 ** 20).toFixed(1)} MB  in the host process ${a.toFixed(0)} ms  through the worker ${b.toFixed(0)} ms  ratio ${(b / a).toFixed(2)}×`,
    )
  }
} finally {
  await images.stop()
}

/**
 * Huge test images made cheaply: a greyscale PNG of one value, written chunk by chunk (a row
 * repeated through deflate) so a 16384² image costs a quarter of a second and a few MB,
 * where encoding it with sharp takes seconds. Decoders see an ordinary PNG.
 */
import { crc32, createDeflate } from 'node:zlib'

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'latin1')
  const tail = Buffer.alloc(4)
  tail.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0)
  return Buffer.concat([head, data, tail])
}

export async function solidGreyPng(width: number, height: number, value: number): Promise<Uint8Array> {
  const row = Buffer.alloc(width + 1, value)
  row[0] = 0 // filter type: none
  const rowsPerWrite = Math.max(1, Math.floor(2 ** 20 / row.length))
  const block = Buffer.concat(Array.from({ length: rowsPerWrite }, () => row))
  const deflate = createDeflate({ level: 1 })
  const parts: Buffer[] = []
  deflate.on('data', (b: Buffer) => parts.push(b))
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve)
    deflate.on('error', reject)
  })
  for (let y = 0; y < height; y += rowsPerWrite)
    deflate.write(y + rowsPerWrite <= height ? block : block.subarray(0, (height - y) * row.length))
  deflate.end()
  await done
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header[8] = 8 // bit depth
  header[9] = 0 // colour type: greyscale
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])
  return new Uint8Array(
    Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', Buffer.concat(parts)), chunk('IEND', Buffer.alloc(0))]),
  )
}

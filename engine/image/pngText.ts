/**
 * PNG text chunks (iTXt, UTF-8, uncompressed) — pure byte work, no codec. Generation parameters
 * ride in them so other tools (exiftool, `identify -verbose`, Python's PIL `im.text`) can read
 * them. Keys are Latin-1 keywords of 1–79 bytes per the PNG spec §11.3.4.
 */
import { crc32 } from 'node:zlib'

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const latin1 = new TextDecoder('latin1')
const utf8 = new TextDecoder('utf-8')

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, body.length)
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i)
  out.set(body, 8)
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)) >>> 0)
  return out
}

function itxt(key: string, value: string): Uint8Array {
  if (!/^[\x20-\x7e]{1,79}$/.test(key) || key !== key.trim()) throw new RangeError(`invalid PNG text keyword “${key}”`)
  const k = Uint8Array.from(key, (c) => c.charCodeAt(0))
  const v = new TextEncoder().encode(value)
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, text
  const body = new Uint8Array(k.length + 5 + v.length)
  body.set(k, 0)
  body.set(v, k.length + 5)
  return chunk('iTXt', body)
}

function isPng(png: Uint8Array): boolean {
  return png.length > 8 && SIGNATURE.every((b, i) => png[i] === b)
}

/** Inserts one iTXt chunk per entry right after IHDR (before image data, where readers look first). */
export function addPngText(png: Uint8Array, text: Readonly<Record<string, string>>): Uint8Array {
  if (!isPng(png)) throw new RangeError('not a PNG')
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8)
  const chunks = Object.entries(text).map(([k, v]) => itxt(k, v))
  const out = new Uint8Array(png.length + chunks.reduce((n, c) => n + c.length, 0))
  out.set(png.subarray(0, ihdrEnd), 0)
  let at = ihdrEnd
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  out.set(png.subarray(ihdrEnd), at)
  return out
}

/** Reads tEXt and uncompressed iTXt chunks. Compressed chunks (zTXt, compressed iTXt) are skipped. */
export function readPngText(png: Uint8Array): Record<string, string> {
  if (!isPng(png)) throw new RangeError('not a PNG')
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength)
  const out: Record<string, string> = {}
  let at = 8
  while (at + 12 <= png.length) {
    const len = view.getUint32(at)
    const type = latin1.decode(png.subarray(at + 4, at + 8))
    const body = png.subarray(at + 8, at + 8 + len)
    const nul = body.indexOf(0)
    if (type === 'tEXt' && nul > 0) out[latin1.decode(body.subarray(0, nul))] = latin1.decode(body.subarray(nul + 1))
    if (type === 'iTXt' && nul > 0 && body[nul + 1] === 0) {
      const langEnd = body.indexOf(0, nul + 3)
      const transEnd = langEnd < 0 ? -1 : body.indexOf(0, langEnd + 1)
      if (transEnd >= 0) out[latin1.decode(body.subarray(0, nul))] = utf8.decode(body.subarray(transEnd + 1))
    }
    if (type === 'IEND') break
    at += 12 + len
  }
  return out
}

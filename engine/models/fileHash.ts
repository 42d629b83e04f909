/** Hashes of a file on disk, streamed (model files are tens of gigabytes). */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** SHA-256 hex of the file: the hub's LFS oid for large files. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(path, { signal, highWaterMark: 4 << 20 })) h.update(chunk as Buffer)
  return h.digest('hex')
}

/** The git blob id (SHA-1 of `blob <size>\0` + content): how the hub names small files kept in git. */
export async function gitBlobOid(path: string, size: number, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha1')
  h.update(`blob ${size}\0`)
  for await (const chunk of createReadStream(path, { signal })) h.update(chunk as Buffer)
  return h.digest('hex')
}

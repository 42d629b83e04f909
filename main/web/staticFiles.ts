/** Serves the built renderer. Paths are resolved inside the root and nothing outside it is read. */
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
}

export interface StaticFile {
  readonly body: Buffer
  readonly type: string
}

export async function readStaticFile(root: string, urlPath: string): Promise<StaticFile | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const rootDir = resolve(root)
  const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '')
  const full = resolve(join(rootDir, relative))
  if (full !== rootDir && !full.startsWith(rootDir + sep)) return null
  try {
    const info = await stat(full)
    if (!info.isFile()) return null
    return { body: await readFile(full), type: TYPES[extname(full)] ?? 'application/octet-stream' }
  } catch {
    return null
  }
}

/**
 * A loopback imitation of the Hugging Face Hub's file endpoints, as @huggingface/hub calls them:
 * `GET /api/models/{repo}/revision/{rev}` (model info with `sha`, `gated`), `GET
 * /api/models/{repo}/tree/{rev}?recursive=true` (listing with LFS oids and sizes), and `GET
 * /{repo}/resolve/{rev}/{path}` — 401 for a gated repo without a token, 403 for a token not granted
 * access, else a 302 to a content URL (with `X-Repo-Commit`, `X-Linked-Size`, `X-Linked-ETag`)
 * that honours `Range` with 206 / `Content-Range`. Tests can make it drop the connection in the
 * middle of a file once, or serve a corrupted copy, and read back every request it saw.
 *
 * The LFS oid is the SHA-256 of the content and small files get their git blob id, as on the hub.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, relative } from 'node:path'

export interface HubRequest {
  readonly method: string
  readonly path: string
  readonly range: string | null
  readonly authorized: boolean
}

interface HubFile {
  readonly content: Buffer
  readonly lfs: boolean
  readonly sha256: string
  readonly gitOid: string
}

export interface ImitationHubOptions {
  readonly repo: string
  /** Folder whose files become the repository (paths relative to it). */
  readonly folder: string
  readonly gated?: boolean
  /** Tokens whose owner accepted the licence; any other `hf_` token gets 403 on a gated repo. */
  readonly grantedTokens?: readonly string[]
}

const LFS_EXTENSIONS = ['.safetensors', '.onnx', '.bin', '.gz', '.model']

function walk(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name), root) : [relative(root, join(dir, e.name)).split('\\').join('/')],
  )
}

export class ImitationHub {
  readonly requests: HubRequest[] = []
  readonly commit = createHash('sha1').update(String(Math.random())).digest('hex')
  /** Path → byte offset: the next content response for that file stops there and the socket is destroyed. */
  readonly dropAt = new Map<string, number>()
  /**
   * Path → byte offset: the next content response for that file sends the bytes before the offset
   * and then nothing more, holding the connection open until the client goes away (a stalled
   * transfer a user pauses or cancels).
   */
  readonly holdAt = new Map<string, number>()
  /** Paths served with one byte flipped (the listing keeps the true oid). */
  readonly corrupt = new Set<string>()
  private readonly files = new Map<string, HubFile>()
  private server: Server | null = null
  url = ''

  constructor(private readonly o: ImitationHubOptions) {
    for (const p of walk(o.folder)) {
      const content = readFileSync(join(o.folder, p))
      const gitOid = createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')
      const sha256 = createHash('sha256').update(content).digest('hex')
      this.files.set(p, { content, lfs: LFS_EXTENSIONS.some((x) => p.endsWith(x)), sha256, gitOid })
    }
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res))
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this.url
  }

  async close(): Promise<void> {
    const s = this.server
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }

  /** Content GETs (not the 1-byte probes) for one file. */
  contentRequests(path: string): HubRequest[] {
    return this.requests.filter((r) => r.path.startsWith('/cdn/') && r.path.endsWith('/' + path) && r.range !== 'bytes=0-0')
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const auth = req.headers.authorization ?? ''
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null
    this.requests.push({
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      range: req.headers.range ?? null,
      authorized: token !== null,
    })
    const repo = this.o.repo
    const path = decodeURIComponent(url.pathname)
    if (path.startsWith(`/api/models/${repo}/revision/`)) {
      return this.json(res, 200, {
        _id: 'imitation',
        id: repo,
        sha: this.commit,
        gated: this.o.gated ? 'manual' : false,
        private: false,
        downloads: 0,
        likes: 0,
        lastModified: new Date(0).toISOString(),
      })
    }
    if (path.startsWith(`/api/models/${repo}/tree/`)) {
      const entries = [...this.files].map(([p, f]) =>
        f.lfs
          ? {
              type: 'file',
              path: p,
              size: f.content.length,
              oid: f.gitOid,
              lfs: { oid: f.sha256, size: f.content.length, pointerSize: 134 },
            }
          : { type: 'file', path: p, size: f.content.length, oid: f.gitOid },
      )
      const dirs = [...new Set([...this.files.keys()].filter((p) => p.includes('/')).map((p) => p.split('/')[0]!))]
      return this.json(res, 200, [...dirs.map((d) => ({ type: 'directory', path: d, size: 0, oid: '0'.repeat(40) })), ...entries])
    }
    const resolvePrefix = `/${repo}/resolve/`
    if (path.startsWith(resolvePrefix)) {
      const [rev, ...rest] = path.slice(resolvePrefix.length).split('/')
      const file = rest.join('/')
      if (this.o.gated && token === null)
        return this.json(
          res,
          401,
          { error: `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.` },
          { 'X-Error-Code': 'GatedRepo' },
        )
      if (this.o.gated && !(this.o.grantedTokens ?? []).includes(token!))
        return this.json(
          res,
          403,
          {
            error: `Access to model ${repo} is restricted and you are not in the authorized list. Visit https://huggingface.co/${repo} to ask for access.`,
          },
          { 'X-Error-Code': 'GatedRepo' },
        )
      const f = this.files.get(file)
      if (!f || (rev !== this.commit && rev !== 'main'))
        return this.json(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' })
      res.writeHead(302, {
        Location: `/cdn/${this.commit}/${file}`,
        'X-Repo-Commit': this.commit,
        'X-Linked-Size': String(f.content.length),
        'X-Linked-ETag': `"${f.lfs ? f.sha256 : f.gitOid}"`,
        ETag: `"${f.gitOid}"`,
      })
      return void res.end()
    }
    if (path.startsWith(`/cdn/${this.commit}/`)) return this.serveContent(path.slice(`/cdn/${this.commit}/`.length), req, res)
    this.json(res, 404, { error: 'not found' })
  }

  private serveContent(file: string, req: IncomingMessage, res: ServerResponse): void {
    const f = this.files.get(file)
    if (!f) return this.json(res, 404, { error: 'not found' })
    let body = f.content
    if (this.corrupt.has(file)) {
      body = Buffer.from(body)
      body[body.length >> 1] = (body[body.length >> 1] ?? 0) ^ 0xff
    }
    const total = body.length
    let start = 0
    let end = total - 1
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    const headers: Record<string, string> = {
      ETag: `"${f.lfs ? f.sha256 : f.gitOid}"`,
      'Accept-Ranges': 'bytes',
      'Content-Type': 'application/octet-stream',
    }
    if (m) {
      start = Number(m[1])
      end = m[2] ? Math.min(Number(m[2]), total - 1) : total - 1
      if (start >= total) {
        res.writeHead(416, { 'Content-Range': `bytes */${total}` })
        return void res.end()
      }
      res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${total}`, 'Content-Length': String(end - start + 1) })
    } else res.writeHead(200, { ...headers, 'Content-Length': String(total) })
    if (req.method === 'HEAD') return void res.end()
    const slice = body.subarray(start, end + 1)
    const drop = this.dropAt.get(file)
    if (drop !== undefined && drop > start && drop < end + 1 && m?.[0] !== 'bytes=0-0') {
      this.dropAt.delete(file)
      // Send the bytes before the drop point, then cut the connection as a flaky network would.
      res.write(slice.subarray(0, drop - start), () => res.socket?.destroy())
      return
    }
    const hold = this.holdAt.get(file)
    if (hold !== undefined && hold > start && hold < end + 1 && m?.[0] !== 'bytes=0-0') {
      this.holdAt.delete(file)
      res.write(slice.subarray(0, hold - start))
      return
    }
    res.end(slice)
  }
}

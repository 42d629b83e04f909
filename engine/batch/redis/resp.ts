/**
 * RESP2, the Redis wire format: encoding a command and parsing replies incrementally. Pure (no
 * sockets), so the framing is unit-tested on its own.
 */

export type Arg = string | number | Buffer
/** A reply: bulk strings stay Buffers here; the connection decodes them per command. */
export type Reply = string | number | null | Buffer | ReplyError | Reply[]

/** An error reply from the server (`-ERR …`), a value rather than a thrown exception. */
export class ReplyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReplyError'
  }
}

export function encodeCommand(args: readonly Arg[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a))
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'))
  }
  return Buffer.concat(parts)
}

const NEED_MORE = Symbol('needMore')
type Parsed = { value: Reply; end: number } | typeof NEED_MORE

function parseAt(buf: Buffer, start: number): Parsed {
  const lineEnd = buf.indexOf('\r\n', start)
  if (lineEnd < 0) return NEED_MORE
  const type = String.fromCharCode(buf[start] as number)
  const line = buf.toString('utf8', start + 1, lineEnd)
  const next = lineEnd + 2
  switch (type) {
    case '+':
      return { value: line, end: next }
    case '-':
      return { value: new ReplyError(line), end: next }
    case ':':
      return { value: Number(line), end: next }
    case '$': {
      const len = Number(line)
      if (len < 0) return { value: null, end: next }
      if (buf.length < next + len + 2) return NEED_MORE
      return { value: buf.subarray(next, next + len), end: next + len + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: Reply[] = []
      let at = next
      for (let i = 0; i < count; i++) {
        const p = parseAt(buf, at)
        if (p === NEED_MORE) return NEED_MORE
        items.push(p.value)
        at = p.end
      }
      return { value: items, end: at }
    }
    default:
      throw new Error(`Redis protocol error: unexpected reply type “${type}”.`)
  }
}

/** Accumulates socket chunks and yields every complete reply, in order. */
export class ReplyParser {
  private buf: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Reply[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk])
    const out: Reply[] = []
    let at = 0
    for (;;) {
      if (at >= this.buf.length) break
      const p = parseAt(this.buf, at)
      if (p === NEED_MORE) break
      out.push(p.value)
      at = p.end
    }
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(at))
    return out
  }

  reset(): void {
    this.buf = Buffer.alloc(0)
  }
}

/** Bulk strings as UTF-8 text, recursively (what ioredis returns by default). */
export function decodeText(r: Reply): Reply {
  if (Buffer.isBuffer(r)) return r.toString('utf8')
  if (Array.isArray(r)) return r.map(decodeText)
  return r
}

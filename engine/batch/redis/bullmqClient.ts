/**
 * BullMQ's `IRedisClient` over our `RedisConnection`. BullMQ 6 takes any client that speaks this
 * interface (its `RedisConnection.clientFactory`); ioredis is only an optional peer of it. Replies
 * keep ioredis' shapes (bulk strings as text, RESP arrays as arrays), which BullMQ's parsers expect.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { IRedisClient, IRedisTransaction } from 'bullmq'
import { RedisConnection, type RedisEndpoint } from './connection'
import type { Arg, Reply } from './resp'

interface Script {
  readonly sha: string
  readonly lua: string
  readonly keys: number
}

type Shape = (r: Reply) => unknown
const asIs: Shape = (r) => r
const asHash: Shape = (r) => {
  const out: Record<string, string> = {}
  const flat = (r ?? []) as string[]
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string
  return out
}

const flatten = (data: Record<string, string | number>): Arg[] => Object.entries(data).flatMap(([f, v]) => [f, v])
/** ioredis' argument rules: one array argument means "these are the arguments"; nullish → ''. */
const scriptArgs = (args: unknown[]): Arg[] =>
  (args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args).map((a) =>
    Buffer.isBuffer(a) ? a : a === undefined || a === null ? '' : String(a),
  )

class Transaction implements IRedisTransaction {
  private readonly cmds: { args: Arg[]; shape: Shape }[] = []
  constructor(
    private readonly client: BullRedisClient,
    private readonly atomic: boolean,
  ) {}
  private add(args: Arg[], shape: Shape = asIs): this {
    this.cmds.push({ args, shape })
    return this
  }
  hgetall = (key: string) => this.add(['HGETALL', key], asHash)
  hset = (key: string, data: Record<string, string | number>) => this.add(['HSET', key, ...flatten(data)])
  hscan = (key: string, cursor: string | number, o?: { COUNT?: number }) =>
    this.add(['HSCAN', key, cursor, ...(o?.COUNT ? ['COUNT', o.COUNT] : [])])
  smembers = (key: string) => this.add(['SMEMBERS', key])
  sscan = (key: string, cursor: string | number, o?: { COUNT?: number }) =>
    this.add(['SSCAN', key, cursor, ...(o?.COUNT ? ['COUNT', o.COUNT] : [])])
  zrange = (key: string, start: number, end: number) => this.add(['ZRANGE', key, start, end])
  lrange = (key: string, start: number, end: number) => this.add(['LRANGE', key, start, end])
  llen = (key: string) => this.add(['LLEN', key])
  del = (...keys: string[]) => this.add(['DEL', ...keys])
  /** EVAL with the source, not EVALSHA: a transaction cannot fall back after a restarted server forgot the script. */
  runCommand = (name: string, args: unknown[]) => {
    const s = this.client.script(name)
    const a = scriptArgs(args)
    return this.add(['EVAL', s.lua, s.keys, ...a])
  }

  async exec(): Promise<[Error | null, unknown][] | null> {
    if (this.cmds.length === 0) return []
    if (this.atomic) {
      const sent = [this.client.call(['MULTI']), ...this.cmds.map((c) => this.client.call(c.args)), this.client.call(['EXEC'])]
      const settled = await Promise.allSettled(sent)
      const exec = settled[settled.length - 1] as PromiseSettledResult<Reply>
      if (exec.status === 'rejected') throw exec.reason
      if (exec.value === null) return null
      return (exec.value as Reply[]).map((r, i) =>
        r instanceof Error ? [r, null] : [null, (this.cmds[i] as (typeof this.cmds)[number]).shape(r)],
      )
    }
    const settled = await Promise.allSettled(this.cmds.map((c) => this.client.call(c.args)))
    return settled.map((s, i) =>
      s.status === 'fulfilled'
        ? [null, (this.cmds[i] as (typeof this.cmds)[number]).shape(s.value)]
        : [s.reason instanceof Error ? s.reason : new Error(String(s.reason)), null],
    )
  }
}

export class BullRedisClient extends RedisConnection implements IRedisClient {
  readonly isCluster = false
  readonly __bullmqCustom = true
  private readonly scripts = new Map<string, Script>()

  constructor(
    endpoint: RedisEndpoint,
    /** What BullMQ reads back as `client.options` (it checks keyPrefix, the blocking settings). */
    readonly options: Record<string, unknown> = {},
  ) {
    super(endpoint)
    // Like ioredis: connect at construction, so commands can be issued at once.
    void this.connect().catch(() => undefined)
  }

  duplicate(overrides?: { connectionName?: string }): BullRedisClient {
    const d = new BullRedisClient(
      { ...this.endpoint, ...(overrides?.connectionName ? { connectionName: overrides.connectionName } : {}) },
      this.options,
    )
    for (const [name, s] of this.scripts) d.defineCommand(name, { numberOfKeys: s.keys, lua: s.lua })
    return d
  }

  script(name: string): Script {
    const s = this.scripts.get(name)
    if (!s) throw new Error(`BullMQ: unknown command "${name}"`)
    return s
  }

  defineCommand(name: string, d: { numberOfKeys: number; lua: string }): void {
    this.scripts.set(name, { sha: createHash('sha1').update(d.lua).digest('hex'), lua: d.lua, keys: d.numberOfKeys })
    // BullMQ checks `client[name]` to see whether its scripts are loaded.
    ;(this as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => this.runCommand(name, args)
  }

  async runCommand(name: string, args: unknown[]): Promise<Reply> {
    const s = this.script(name)
    const a = scriptArgs(args)
    try {
      return await this.call(['EVALSHA', s.sha, s.keys, ...a])
    } catch (e) {
      // A restarted (or new) server has no script cache: EVAL sends the source and caches it.
      if (e instanceof Error && e.message.startsWith('NOSCRIPT')) return this.call(['EVAL', s.lua, s.keys, ...a])
      throw e
    }
  }

  /** The reply typed as BullMQ expects it from this command (ioredis' shapes). */
  private as<T>(args: Arg[]): Promise<T> {
    return this.call(args) as Promise<T>
  }

  multi = () => new Transaction(this, true)
  pipeline = () => new Transaction(this, false)

  hgetall = async (key: string) => asHash(await this.call(['HGETALL', key])) as Record<string, string>
  hget = (key: string, field: string) => this.as<string | null>(['HGET', key, field])
  hmget = (key: string, ...fields: string[]) => this.as<(string | null)[]>(['HMGET', key, ...fields])
  hset = (key: string, data: Record<string, string | number>) => this.as<number>(['HSET', key, ...flatten(data)])
  hdel = (key: string, ...fields: string[]) => this.as<number>(['HDEL', key, ...fields])
  hexists = (key: string, field: string) => this.as<number>(['HEXISTS', key, field])
  get = (key: string) => this.as<string | null>(['GET', key])
  set = (key: string, value: string | number, o?: { PX?: number; EX?: number }) =>
    this.as<string | null>(['SET', key, value, ...(o?.PX != null ? ['PX', o.PX] : o?.EX != null ? ['EX', o.EX] : [])])
  del = (...keys: string[]) => (keys.length === 0 ? Promise.resolve(0) : this.as<number>(['DEL', ...keys]))
  zrange = (key: string, start: number, end: number, o?: { WITHSCORES?: boolean }) =>
    this.as<string[]>(['ZRANGE', key, start, end, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])])
  zrevrange = (key: string, start: number, end: number, o?: { WITHSCORES?: boolean }) =>
    this.as<string[]>(['ZREVRANGE', key, start, end, ...(o?.WITHSCORES ? ['WITHSCORES'] : [])])
  zcard = (key: string) => this.as<number>(['ZCARD', key])
  zscore = (key: string, member: string) => this.as<string | null>(['ZSCORE', key, member])
  lrange = (key: string, start: number, end: number) => this.as<string[]>(['LRANGE', key, start, end])
  llen = (key: string) => this.as<number>(['LLEN', key])
  ltrim = (key: string, start: number, end: number) => this.as<string>(['LTRIM', key, start, end])
  lpos = (key: string, value: string) => this.as<number | null>(['LPOS', key, value])
  smembers = (key: string) => this.as<string[]>(['SMEMBERS', key])
  xadd = (key: string, id: string, fields: Record<string, string | number>, o?: { MAXLEN?: number; approximate?: boolean }) =>
    this.as<string>([
      'XADD',
      key,
      ...(o?.MAXLEN != null ? ['MAXLEN', ...(o.approximate !== false ? ['~'] : []), o.MAXLEN] : []),
      id,
      ...flatten(fields),
    ])
  xread = (streams: { key: string; id: string }[], o?: { BLOCK?: number; COUNT?: number }) =>
    this.as<unknown>([
      'XREAD',
      ...(o?.BLOCK != null ? ['BLOCK', o.BLOCK] : []),
      ...(o?.COUNT != null ? ['COUNT', o.COUNT] : []),
      'STREAMS',
      ...streams.map((s) => s.key),
      ...streams.map((s) => s.id),
    ])
  xtrim = (key: string, strategy: 'MAXLEN', threshold: number, o?: { approximate?: boolean }) =>
    this.as<number>(['XTRIM', key, strategy, ...(o?.approximate !== false ? ['~'] : []), threshold])
  bzpopmin = (key: string, timeout: number) => this.as<[key: string, member: string, score: string] | null>(['BZPOPMIN', key, timeout])
  info = () => this.as<string>(['INFO'])
  clientSetName = (name: string) => this.as<string>(['CLIENT', 'SETNAME', name])
  clientList = () => this.as<string>(['CLIENT', 'LIST'])
  clientInfo = () => this.as<string>(['CLIENT', 'INFO'])
  scan = (cursor: string | number, o: { MATCH?: string; COUNT?: number }) =>
    this.as<[string, string[]]>([
      'SCAN',
      cursor,
      ...(o.MATCH != null ? ['MATCH', o.MATCH] : []),
      ...(o.COUNT != null ? ['COUNT', o.COUNT] : []),
    ])

  scanStream(o: { match: string; count?: number }): Readable {
    let cursor = '0'
    let done = false
    const rs: Readable = new Readable({
      objectMode: true,
      read: () => {
        if (done) return void 0
        this.scan(cursor, { MATCH: o.match, ...(o.count ? { COUNT: o.count } : {}) }).then(
          (r) => {
            const [next, keys] = r as [string, string[]]
            cursor = next
            done = next === '0'
            // ioredis pushes each page of keys as one array.
            rs.push(keys)
            if (done) rs.push(null)
          },
          (e: unknown) => rs.destroy(e instanceof Error ? e : new Error(String(e))),
        )
      },
    })
    return rs
  }
}

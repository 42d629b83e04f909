/**
 * One Redis connection over TCP or TLS: AUTH/SELECT/CLIENT SETNAME on every (re)connect,
 * commands queued while offline, replies matched in order, and reconnection with backoff when
 * the server goes away (a Redis restart must not end a worker). Commands in flight when the
 * socket drops are rejected, never silently re-sent: BullMQ's scripts are not all idempotent.
 */
import { EventEmitter } from 'node:events'
import { isIP, connect as netConnect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions as TlsOptions } from 'node:tls'
import { encodeCommand, ReplyError, ReplyParser, decodeText, type Arg, type Reply } from './resp'

export interface RedisEndpoint {
  readonly host: string
  readonly port: number
  readonly username?: string
  readonly password?: string
  readonly db?: number
  /** TLS options (rediss://); servername defaults to host. */
  readonly tls?: TlsOptions
  readonly connectionName?: string
  /** ms before reconnect attempt `times`; null stops reconnecting. */
  readonly retryStrategy?: (times: number) => number | null | void
}

export type ConnectionStatus = 'wait' | 'connecting' | 'connect' | 'ready' | 'reconnecting' | 'end'

interface Pending {
  readonly resolve: (r: Reply) => void
  readonly reject: (e: Error) => void
  readonly buffers: boolean
}

export const CLOSED_MESSAGE = 'Connection is closed.'

export class RedisConnection extends EventEmitter {
  /** Written by BullMQ too (it marks closed clients 'end'); hence a plain field. */
  status: ConnectionStatus = 'wait'
  private socket: Socket | null = null
  private readonly parser = new ReplyParser()
  private inFlight: Pending[] = []
  private offline: { args: readonly Arg[]; p: Pending }[] = []
  private attempts = 0
  private timer: NodeJS.Timeout | null = null
  private connecting: Promise<void> | null = null
  /** The last socket or handshake error, for the message when a connection ends. */
  lastError: Error | null = null

  constructor(readonly endpoint: RedisEndpoint) {
    super()
  }

  /** Opens the socket (again, after disconnect); resolves once the handshake is done. */
  connect(): Promise<void> {
    if (this.status === 'ready') return Promise.resolve()
    if (this.connecting) return this.connecting
    this.connecting = new Promise<void>((resolve, reject) => {
      const onReady = () => (cleanup(), resolve())
      const onEnd = () => (cleanup(), reject(this.lastError ?? new Error(CLOSED_MESSAGE)))
      const cleanup = () => {
        this.off('ready', onReady)
        this.off('end', onEnd)
        this.connecting = null
      }
      this.once('ready', onReady)
      this.once('end', onEnd)
      this.open()
    })
    return this.connecting
  }

  private open(): void {
    this.status = this.attempts === 0 ? 'connecting' : 'reconnecting'
    const { host, port, tls } = this.endpoint
    // SNI takes a host name only; an IP address is checked against the certificate's IP entries.
    const socket = tls ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...tls }) : netConnect({ host, port })
    this.socket = socket
    socket.setNoDelay(true)
    socket.once(tls ? 'secureConnect' : 'connect', () => void this.handshake(socket))
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (e) => this.emitError(e))
    socket.once('close', () => this.onClose(socket))
  }

  private async handshake(socket: Socket): Promise<void> {
    this.status = 'connect'
    this.emit('connect')
    const { username, password, db, connectionName } = this.endpoint
    try {
      if (password !== undefined) await this.send(username ? ['AUTH', username, password] : ['AUTH', password])
      if (db) await this.send(['SELECT', db])
      if (connectionName) await this.send(['CLIENT', 'SETNAME', connectionName])
    } catch (e) {
      // A wrong password is not going to get better by retrying: stop and say so.
      this.emitError(new Error(`Redis refused the login: ${e instanceof Error ? e.message : String(e)}`))
      this.disconnect(false)
      return
    }
    if (this.socket !== socket) return
    this.attempts = 0
    this.status = 'ready'
    const queued = this.offline
    this.offline = []
    for (const q of queued) this.write(q.args, q.p)
    this.emit('ready')
  }

  private onData(chunk: Buffer): void {
    let replies: Reply[]
    try {
      replies = this.parser.push(chunk)
    } catch (e) {
      this.emitError(e instanceof Error ? e : new Error(String(e)))
      this.socket?.destroy()
      return
    }
    for (const r of replies) {
      const p = this.inFlight.shift()
      if (!p) continue
      if (r instanceof ReplyError) p.reject(r)
      else p.resolve(p.buffers ? r : decodeText(r))
    }
  }

  private onClose(socket: Socket): void {
    if (this.socket !== socket) return
    this.socket = null
    this.parser.reset()
    const lost = this.inFlight
    this.inFlight = []
    for (const p of lost) p.reject(new Error(CLOSED_MESSAGE))
    this.emit('close')
    if (this.status === 'end') return this.finish()
    const delay = (this.endpoint.retryStrategy ?? defaultRetry)(++this.attempts)
    if (typeof delay !== 'number') {
      this.status = 'end'
      return this.finish()
    }
    this.status = 'reconnecting'
    this.emit('reconnecting', delay)
    this.timer = setTimeout(() => {
      this.timer = null
      if (this.status === 'reconnecting') this.open()
    }, delay)
  }

  private finish(): void {
    const queued = this.offline
    this.offline = []
    for (const q of queued) q.p.reject(new Error(CLOSED_MESSAGE))
    this.emit('end')
  }

  private emitError(e: Error): void {
    this.lastError = e
    if (this.listenerCount('error') > 0) this.emit('error', e)
  }

  private write(args: readonly Arg[], p: Pending): void {
    this.inFlight.push(p)
    this.socket?.write(encodeCommand(args))
  }

  /** Sends now, bypassing the offline queue (the handshake). */
  private send(args: readonly Arg[]): Promise<Reply> {
    return new Promise((resolve, reject) => this.write(args, { resolve, reject, buffers: false }))
  }

  /** One command; bulk strings come back as text unless `buffers`. */
  call(args: readonly Arg[], buffers = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject, buffers }
      if (this.status === 'ready') this.write(args, p)
      else if (this.status === 'end') reject(new Error(CLOSED_MESSAGE))
      else {
        this.offline.push({ args, p })
        if (this.status === 'wait') void this.connect().catch(() => undefined)
      }
    })
  }

  /** Closes now. With `reconnect`, opens again at once (BullMQ's watchdog reset). */
  disconnect(reconnect = false): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    const socket = this.socket
    if (reconnect) {
      socket?.destroy()
      return
    }
    this.status = 'end'
    if (socket) socket.destroy()
    else this.finish()
  }

  async quit(): Promise<string> {
    if (this.status === 'ready') await this.call(['QUIT']).catch(() => undefined)
    this.disconnect(false)
    return 'OK'
  }
}

const defaultRetry = (times: number): number => Math.min(times * 100, 2000)

/**
 * Connects once, without retrying, and says why not: the CLI checks the URL, password and
 * certificate up front instead of retrying a wrong one forever. The reason never holds the password.
 */
export async function probe(endpoint: RedisEndpoint): Promise<string | null> {
  const c = new RedisConnection({ ...endpoint, retryStrategy: () => null })
  try {
    await c.connect()
    return null
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  } finally {
    await c.quit()
  }
}

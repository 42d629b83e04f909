/**
 * A real `redis-server` for the batch tests: loopback, a free port, a temp dir, append-only
 * persistence on (so a restart keeps the queue). Missing redis-server is a failure, not a skip:
 * CI installs it (.ci/run).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'

export interface TestRedis {
  readonly url: string
  readonly port: number
  /** A client for the test's own checks. */
  readonly client: Redis
  /** SIGTERM (Redis flushes its append-only file), wait for exit, start again on the same port and dir. */
  restart(): Promise<void>
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      s.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))))
    })
  })
}

export function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error || probe.status !== 0)
    throw new Error('redis-server is not on PATH. Install it (Debian: apt-get install redis-server) — the batch tests need a real Redis.')
}

const exited = (p: ChildProcess) =>
  new Promise<void>((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve() : p.once('exit', () => resolve())))

/** `password`: the server requires it (`requirepass`), as a production Redis should. */
export async function startRedis({ password }: { password?: string } = {}): Promise<TestRedis> {
  requireRedisServer()
  const dir = mkdtempSync(join(tmpdir(), 'kontext-redis-'))
  const port = await freePort()
  let proc: ChildProcess
  let log = ''
  const launch = async () => {
    proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--dir',
        dir,
        ...(password ? ['--requirepass', password] : []),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    proc.stdout?.on('data', (d: Buffer) => (log += d.toString()))
    proc.stderr?.on('data', (d: Buffer) => (log += d.toString()))
    // Ready when it says so (it prints this once it accepts connections and has loaded its data).
    await new Promise<void>((resolve, reject) => {
      const check = () => log.includes('Ready to accept connections') && (proc.stdout?.off('data', check), resolve())
      proc.stdout?.on('data', check)
      proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}) on start:\n${log.slice(-2000)}`)))
    })
  }
  await launch()
  // Reconnects by itself across restart(), as the workers' connections do.
  const client = new Redis({ host: '127.0.0.1', port, ...(password ? { password } : {}), lazyConnect: true, maxRetriesPerRequest: null })
  client.on('error', () => undefined)
  await client.connect()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    client,
    async restart() {
      log = ''
      const p = proc
      p.kill('SIGTERM')
      await exited(p)
      await launch()
    },
    async stop() {
      client.disconnect()
      proc.kill('SIGTERM')
      await exited(proc)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

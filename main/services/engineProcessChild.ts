/**
 * Starts the engine process and gives it one shape whatever started it: Electron's
 * utilityProcess (inside the app, on the built out/main/engineHost.js) or Node's
 * child_process.fork (web host, CLI tests) running engine/host.ts through tsx. Electron is
 * imported dynamically so this module loads under plain Node.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface EngineChild {
  readonly pid: number | null
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(): void
}

export interface SpawnOptions {
  readonly env: Record<string, string>
  readonly log: (line: string) => void
}

const here = dirname(fileURLToPath(import.meta.url))

const isElectronMain = (): boolean => typeof process.versions.electron === 'string' && (process as { type?: string }).type === 'browser'

function forwardLines(stream: NodeJS.ReadableStream | null | undefined, log: (line: string) => void): void {
  if (!stream) return
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const l of lines) if (l.trim()) log(`engine: ${l}`)
  })
}

async function spawnElectron(opts: SpawnOptions): Promise<EngineChild> {
  const { utilityProcess } = await import('electron')
  // Bundled by electron-vite: this code lives in out/main/index.js, beside out/main/engineHost.js.
  // electron-vite may place this module in a chunk folder; the entry sits in out/main either way.
  const entry = [join(here, 'engineHost.js'), join(here, '..', 'engineHost.js')].find((p) => existsSync(p)) ?? join(here, 'engineHost.js')
  const child = utilityProcess.fork(entry, [], { serviceName: 'Kontext engine', env: { ...process.env, ...opts.env }, stdio: 'pipe' })
  forwardLines(child.stdout, opts.log)
  forwardLines(child.stderr, opts.log)
  return {
    get pid() {
      return child.pid ?? null
    },
    send: (m) => child.postMessage(m),
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.on('exit', (code) => l(code, null)),
    kill: () => void child.kill(),
  }
}

function spawnNode(opts: SpawnOptions): EngineChild {
  const root = resolve(here, '..', '..')
  const child = fork(join(root, 'engine', 'host.ts'), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    // Structured clone, so images cross as Uint8Array rather than JSON arrays of numbers.
    serialization: 'advanced',
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  forwardLines(child.stdout, opts.log)
  forwardLines(child.stderr, opts.log)
  return {
    get pid() {
      return child.pid ?? null
    },
    send: (m) => {
      if (child.connected) child.send(m as object)
    },
    onMessage: (l) => child.on('message', l),
    onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
    kill: () => void child.kill('SIGKILL'),
  }
}

export async function spawnEngineChild(opts: SpawnOptions): Promise<EngineChild> {
  return isElectronMain() ? spawnElectron(opts) : spawnNode(opts)
}

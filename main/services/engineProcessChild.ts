/**
 * Starts the engine process (or another child beside it, such as the image worker) and gives it
 * one shape whatever started it: Electron's utilityProcess (inside the app, on the built
 * out/main/engineHost.js) or Node's child_process.fork (web host, CLI tests) running
 * engine/host.ts through tsx. Electron is imported dynamically so this module loads under plain Node.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import type { Socket } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface EngineChild {
  readonly pid: number | null
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  onExit(listener: (code: number | null, signal: string | null) => void): void
  kill(): void
  /** Whether this child keeps the host process alive (default: yes); an idle helper may let it exit. */
  keepAlive?(alive: boolean): void
}

/** Which program a child runs: its built bundle in Electron, its source under Node (through tsx). */
export interface ChildEntry {
  /** File name of the electron-vite entry in out/main (electron.vite.config.ts). */
  readonly bundle: string
  /** Source path from the repository root. */
  readonly source: string
  readonly serviceName: string
  /** Prefix of the child's stdout/stderr lines in the host's log. */
  readonly logPrefix: string
}

export const ENGINE_ENTRY: ChildEntry = {
  bundle: 'engineHost.js',
  source: 'engine/host.ts',
  serviceName: 'Kontext engine',
  logPrefix: 'engine',
}

export interface SpawnOptions {
  readonly env: Record<string, string>
  readonly log: (line: string) => void
  /** The program to run (default: the engine). */
  readonly entry?: ChildEntry
}

const here = dirname(fileURLToPath(import.meta.url))

const isElectronMain = (): boolean => typeof process.versions.electron === 'string' && (process as { type?: string }).type === 'browser'

function forwardLines(stream: NodeJS.ReadableStream | null | undefined, log: (line: string) => void, prefix: string): void {
  if (!stream) return
  let buf = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buf += chunk
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    for (const l of lines) if (l.trim()) log(`${prefix}: ${l}`)
  })
}

async function spawnElectron(opts: SpawnOptions, entryOf: ChildEntry): Promise<EngineChild> {
  const { utilityProcess } = await import('electron')
  // Bundled by electron-vite: this code lives in out/main/index.js, beside out/main/engineHost.js.
  // electron-vite may place this module in a chunk folder; the entry sits in out/main either way.
  const entry = [join(here, entryOf.bundle), join(here, '..', entryOf.bundle)].find((p) => existsSync(p)) ?? join(here, entryOf.bundle)
  const child = utilityProcess.fork(entry, [], { serviceName: entryOf.serviceName, env: { ...process.env, ...opts.env }, stdio: 'pipe' })
  forwardLines(child.stdout, opts.log, entryOf.logPrefix)
  forwardLines(child.stderr, opts.log, entryOf.logPrefix)
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

function spawnNode(opts: SpawnOptions, entryOf: ChildEntry): EngineChild {
  const root = resolve(here, '..', '..')
  const child = fork(join(root, entryOf.source), [], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    // Structured clone, so images cross as Uint8Array rather than JSON arrays of numbers.
    serialization: 'advanced',
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  forwardLines(child.stdout, opts.log, entryOf.logPrefix)
  forwardLines(child.stderr, opts.log, entryOf.logPrefix)
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
    // The child, its IPC channel and its piped stdout/stderr each hold the parent's event loop;
    // an idle child must let go of all of them (the pipes alone kept a finished bench alive).
    keepAlive: (alive) => {
      for (const h of [child, child.channel, child.stdout as Socket | null, child.stderr as Socket | null]) {
        if (alive) h?.ref()
        else h?.unref()
      }
    },
  }
}

export async function spawnEngineChild(opts: SpawnOptions): Promise<EngineChild> {
  const entry = opts.entry ?? ENGINE_ENTRY
  return isElectronMain() ? spawnElectron(opts, entry) : spawnNode(opts, entry)
}

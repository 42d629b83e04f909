/**
 * `kontext worker` as real child processes (through tsx, as a user runs it), with their --json
 * event lines collected: ready, start, stored, duplicate.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { repoRoot } from '../../fixtures/engine/paths'

export interface WorkerEvent {
  readonly event: 'ready' | 'start' | 'stored' | 'duplicate' | 'stopped'
  readonly key?: string
  readonly pid: number
}

export interface WorkerProcess {
  readonly proc: ChildProcess
  readonly events: WorkerEvent[]
  stderr(): string
  /** Resolves once an event matching `pred` has arrived (rejects if the process dies first). */
  until(pred: (e: WorkerEvent, all: readonly WorkerEvent[]) => boolean): Promise<void>
  stop(signal?: NodeJS.Signals): Promise<void>
}

const CLI = join(repoRoot, 'engine', 'cli', 'main.ts')

/** `shortLocks`: a killed worker's job is taken over within seconds (tests); off, the production defaults (30 s). */
export function spawnWorker(url: string, { shortLocks = true } = {}): WorkerProcess {
  const locks = shortLocks ? ['--lock-ms', '2000', '--stalled-ms', '1000'] : []
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'worker', '--queue', url, '--provider', 'cpu', '--json', ...locks], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const events: WorkerEvent[] = []
  const waiters = new Set<() => void>()
  let err = ''
  let buf = ''
  proc.stdout?.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      if (line.startsWith('{')) events.push(JSON.parse(line) as WorkerEvent)
    }
    for (const w of waiters) w()
  })
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  return {
    proc,
    events,
    stderr: () => err,
    until(pred) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (events.some((e) => pred(e, events))) {
            waiters.delete(check)
            resolve()
          }
        }
        waiters.add(check)
        void done.then(() => {
          check()
          if (waiters.delete(check))
            reject(new Error(`worker ${proc.pid} exited (${proc.exitCode ?? proc.signalCode}):\n${err.slice(-3000)}`))
        })
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal)
      await done
    },
  }
}

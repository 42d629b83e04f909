/** Starts `npm run serve`'s entry on a free loopback port for one project file, as a user would. */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { resolve } from 'node:path'

export interface StudioServer {
  readonly url: string
  stop(): Promise<void>
}

const root = resolve(import.meta.dirname, '..', '..', '..')

/** `port` 0 (the default) takes any free port; a restart on the URL's port lets an open page reconnect. */
export async function startStudioServer(projectPath: string, options: { port?: number } = {}): Promise<StudioServer> {
  const port = String(options.port ?? 0)
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'main/web/serve.ts', '--port', port, '--project', projectPath], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let log = ''
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the studio did not start within 120 s:\n${log}`)), 120_000)
    let out = ''
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const match = out.match(/Kontext Studio is serving (http:\/\/\S+)/)
      if (match?.[1]) {
        clearTimeout(timer)
        resolveUrl(match[1])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the studio exited with ${code}:\n${log}`))
    })
  })
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return
      child.kill('SIGTERM')
      await once(child, 'exit')
    },
  }
}

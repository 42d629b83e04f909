/**
 * `npm run serve`: the studio as a local web host.
 *   --port N (default 5170; 0 = any free port)   --host H (default 127.0.0.1)
 *   --token T (required when --host is not loopback)   --project FILE.kstudio
 *   --provider cpu|cuda|dml|webgpu   --no-build
 */
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { StudioError } from '../../core/result'
import { EngineProcess } from '../services/engineProcess'
import { sharedImageWorker } from '../services/imageWorker'
import { systemClock } from '../services/clock'
import { openStudio } from '../services/openStudio'
import { findAppRoot, modelDirs, studioHome } from '../services/paths'
import { isLoopbackHost } from './access'
import { installCrashGuard } from './crashGuard'
import { buildRenderer, rendererIsStale } from './rendererBuild'
import { startWebHost } from './webHost'

const log = (line: string): void => console.error(line)

/**
 * An inconsistent project is served read-only (the page says what is wrong) rather than refused:
 * there is no dialog here to offer the repaired copy, and the file must not be written.
 */
function openOrReadOnly(projectPath: string, engine: EngineProcess): ReturnType<typeof openStudio> {
  try {
    return openStudio({ projectPath, engine, clock: systemClock })
  } catch (caught) {
    if (!(caught instanceof StudioError) || caught.code !== 'store.inconsistent') throw caught
    log(`${caught.message} Serving it read-only; the file is not changed.`)
    return openStudio({ projectPath, engine, clock: systemClock, readOnly: true })
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '5170' },
      host: { type: 'string', default: '127.0.0.1' },
      token: { type: 'string' },
      project: { type: 'string' },
      provider: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      'no-open': { type: 'boolean', default: false },
    },
    strict: true,
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a number from 0 to 65535, not ${values.port}.`)
  const token = values.token ?? null
  if (!isLoopbackHost(values.host) && (token === null || token.length < 16)) {
    throw new Error(
      `Listening on ${values.host} exposes your projects to the network: pass --token with a secret of at least 16 characters.`,
    )
  }
  const appRoot = findAppRoot()
  if (!values['no-build'] && rendererIsStale(appRoot)) buildRenderer(appRoot, log)

  const projectPath = resolve(values.project ?? join(studioHome(), 'Untitled.kstudio'))
  mkdirSync(dirname(projectPath), { recursive: true })
  const engine = new EngineProcess({ modelDirs: () => modelDirs(appRoot), log, ...(values.provider ? { provider: values.provider } : {}) })
  const studio = openOrReadOnly(projectPath, engine)
  engine.start().catch((e: unknown) => log(`The engine did not start: ${e instanceof Error ? e.message : String(e)}`))
  const web = await startWebHost(studio, { host: values.host, port, token, rendererDir: join(appRoot, 'out', 'renderer'), log })
  // From here on an error that escapes one connection's handler is logged, not fatal.
  installCrashGuard(log)
  // Tests and scripts wait for this exact line on stdout.
  console.log(`Kontext Studio is serving ${web.url}`)
  log(`Project: ${projectPath}`)

  let closing = false
  const shutdown = async (): Promise<void> => {
    if (closing) return
    closing = true
    await web.close()
    await engine.stop()
    await sharedImageWorker().stop()
    await studio.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown())
  process.on('SIGTERM', () => void shutdown())
  return -1
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code)
  },
  (e: unknown) => {
    const message = e instanceof StudioError ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : e instanceof Error ? e.message : String(e)
    console.error(`Kontext Studio could not start: ${message}`)
    process.exit(2)
  },
)

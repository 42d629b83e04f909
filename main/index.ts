/** Electron main: wiring only. The services know nothing of Electron. */
import { app, BrowserWindow } from 'electron'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { systemClock } from './services/clock'
import { EngineProcess } from './services/engineProcess'
import { sharedImageWorker } from './services/imageWorker'
import { findAppRoot, modelDirs } from './services/paths'
import { handleAppScheme, registerAppScheme } from './electron/appProtocol'
import { buildAppMenu } from './electron/appMenu'
import { forwardEvents, registerIpcHandlers } from './electron/ipcHandlers'
import { createMainWindow } from './electron/mainWindow'
import { ProjectController } from './electron/projectController'

registerAppScheme()
if (!app.requestSingleInstanceLock()) app.quit()

let window: BrowserWindow | null = null
let engine: EngineProcess | null = null
let projects: ProjectController | null = null

async function start(): Promise<void> {
  const appRoot = findAppRoot(import.meta.dirname)
  // The engine looks where the Models page stores models (modelStoreDir), not in Electron's userData.
  engine = new EngineProcess({ modelDirs: () => modelDirs(appRoot), log: (line: string) => console.error(line) })
  projects = new ProjectController(engine, systemClock, () => window)
  const controller = projects
  handleAppScheme(join(appRoot, 'out', 'renderer'), () => controller.current())
  registerIpcHandlers(() => controller.current())
  let stopForwarding: (() => void) | null = null
  controller.onDidSwitch((host) => {
    stopForwarding?.()
    stopForwarding = forwardEvents(host, () => window?.webContents ?? null)
    // The page mirrors one project; a fresh load picks up the new one.
    window?.webContents.reload()
  })
  const defaultDir = join(app.getPath('userData'), 'projects')
  mkdirSync(defaultDir, { recursive: true })
  const last = controller.recent().find((r) => !r.missing)
  // If the last project is refused (locked by another window, damaged and declined), start a new one.
  if (!(await controller.open(last?.path ?? join(defaultDir, 'Untitled.kstudio'))))
    await controller.open(join(defaultDir, `Untitled-${Date.now()}.kstudio`))
  void engine.start().catch((e: unknown) => console.error(`The engine did not start: ${String(e)}`))
  window = createMainWindow(join(import.meta.dirname, '..', 'preload'))
  buildAppMenu(controller)
}

app.on('second-instance', () => window?.focus())
app.on('window-all-closed', () => app.quit())
app.on('will-quit', () => {
  void engine?.stop()
  void sharedImageWorker().stop()
  void projects?.current()?.close()
})
app.whenReady().then(start, (e: unknown) => console.error(e))

/** Electron main: wiring only. The services know nothing of Electron. */
import { app, BrowserWindow, dialog } from 'electron'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { toErrorData } from '../core/result'
import { systemClock } from './services/clock'
import { EngineProcess } from './services/engineProcess'
import { openStudio } from './services/openStudio'
import { findAppRoot, modelDirs } from './services/paths'
import type { StudioHost } from './services/studioHost'
import { handleAppScheme, registerAppScheme } from './electron/appProtocol'
import { registerIpcHandlers } from './electron/ipcHandlers'
import { createMainWindow } from './electron/mainWindow'

registerAppScheme()
if (!app.requestSingleInstanceLock()) app.quit()

let host: StudioHost | null = null
let engine: EngineProcess | null = null
let window: BrowserWindow | null = null

async function start(): Promise<void> {
  const appRoot = findAppRoot(import.meta.dirname)
  handleAppScheme(join(appRoot, 'out', 'renderer'), () => host)
  const projects = join(app.getPath('userData'), 'projects')
  mkdirSync(projects, { recursive: true })
  engine = new EngineProcess({ modelDirs: modelDirs(appRoot, app.getPath('userData')), log: (l) => console.error(l) })
  try {
    host = openStudio({ projectPath: join(projects, 'Untitled.kstudio'), engine, clock: systemClock })
  } catch (caught) {
    const e = toErrorData(caught)
    dialog.showErrorBox('Kontext Studio cannot open the project', `${e.message}\n\n${e.hint ?? ''}`)
    app.quit()
    return
  }
  void engine.start().catch((e: unknown) => console.error(`The engine did not start: ${String(e)}`))
  window = createMainWindow(join(import.meta.dirname, '..', 'preload'))
  registerIpcHandlers(host, () => window?.webContents ?? null)
}

app.on('second-instance', () => window?.focus())
app.on('window-all-closed', () => app.quit())
app.on('will-quit', () => {
  void engine?.stop()
  void host?.close()
})
app.whenReady().then(start, (e: unknown) => console.error(e))

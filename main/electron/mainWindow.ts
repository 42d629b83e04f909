/** The studio window with the Electron security defaults spelled out, not assumed. */
import { BrowserWindow, shell } from 'electron'
import { join } from 'node:path'
import { APP_ORIGIN } from './appProtocol'

export function createMainWindow(preloadDir: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    title: 'Kontext Studio',
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: join(preloadDir, 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  })
  // No navigation away from the studio and no new windows; links open in the user's browser.
  win.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault()
  })
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  void win.loadURL(`${APP_ORIGIN}/index.html`)
  return win
}

/** The application menu: project commands with their usual shortcuts. */
import { app, Menu, type MenuItemConstructorOptions } from 'electron'
import type { ProjectController } from './projectController'

export function buildAppMenu(projects: ProjectController): void {
  const recent: MenuItemConstructorOptions[] = projects.recent().map((r) => ({
    label: r.missing ? `${r.name} (missing)` : r.name,
    sublabel: r.path,
    enabled: !r.missing,
    click: () => void projects.open(r.path).then(() => buildAppMenu(projects)),
  }))
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+N', click: () => void projects.newProject().then(() => buildAppMenu(projects)) },
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => void projects.openDialog().then(() => buildAppMenu(projects)) },
        { label: 'Open Recent', submenu: recent.length > 0 ? recent : [{ label: 'No recent projects', enabled: false }] },
        { type: 'separator' },
        {
          label: 'Save As…',
          accelerator: 'CmdOrCtrl+Shift+S',
          click: () => void projects.copy('saveAs').then(() => buildAppMenu(projects)),
        },
        { label: 'Export Copy…', click: () => void projects.copy('exportCopy') },
        { type: 'separator' },
        process.platform === 'darwin' ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { label: 'View', submenu: [{ role: 'togglefullscreen' }, ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' as const }])] },
  ]
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}

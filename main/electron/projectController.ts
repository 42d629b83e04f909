/**
 * Which project the window shows, and the File menu's commands: new, open, open recent,
 * save as, export copy. A refused file (locked, damaged, newer, foreign) is explained in a dialog
 * and never modified; a damaged one can be opened read-only or have its readable part exported.
 */
import { app, dialog, type BrowserWindow } from 'electron'
import { join } from 'node:path'
import { toErrorData } from '../../core/result'
import type { HostClock } from '../services/clock'
import type { EngineLike } from '../services/engineLike'
import { openStudio, studioForStore } from '../services/openStudio'
import type { StudioHost } from '../services/studioHost'
import { safeStorageVault } from './tokenVault'
import {
  addRecent,
  exportCopy,
  exportReadable,
  listRecent,
  openProjectStore,
  repairCopy,
  saveAs,
  type RecentProject,
  SqliteProjectStore,
} from '../store'

const FILTERS = [{ name: 'Kontext Studio project', extensions: ['kstudio'] }]

export class ProjectController {
  private host: StudioHost | null = null
  private readonly listeners = new Set<(host: StudioHost) => void>()

  constructor(
    private readonly engine: EngineLike,
    private readonly clock: HostClock,
    private readonly window: () => BrowserWindow | null,
  ) {}

  current(): StudioHost | null {
    return this.host
  }

  onDidSwitch(listener: (host: StudioHost) => void): void {
    this.listeners.add(listener)
  }

  recent(): RecentProject[] {
    return listRecent(app.getPath('userData'))
  }

  /** Opens `path` in place of the current project; on refusal explains why and keeps the current one. */
  async open(path: string): Promise<boolean> {
    try {
      await this.adopt(openStudio({ projectPath: path, engine: this.engine, clock: this.clock }))
      return true
    } catch (caught) {
      const e = toErrorData(caught)
      if (e.code === 'store.corrupt' || e.code === 'store.blobDamaged') return this.offerRecovery(path, e.message)
      if (e.code === 'store.inconsistent') return this.offerRepair(path, e.message)
      await this.explain('Kontext Studio cannot open this project', e.message, e.hint)
      return false
    }
  }

  async newProject(): Promise<void> {
    const win = this.window()
    const picked = await (win
      ? dialog.showSaveDialog(win, { title: 'New project', filters: FILTERS })
      : dialog.showSaveDialog({ title: 'New project', filters: FILTERS }))
    if (!picked.canceled && picked.filePath) await this.open(picked.filePath)
  }

  async openDialog(): Promise<void> {
    const win = this.window()
    const options = { title: 'Open project', filters: FILTERS, properties: ['openFile' as const] }
    const picked = await (win ? dialog.showOpenDialog(win, options) : dialog.showOpenDialog(options))
    const path = picked.filePaths[0]
    if (!picked.canceled && path) await this.open(path)
  }

  /** Save as… or Export copy… through SQLite's online backup (never a copy of the live file). */
  async copy(kind: 'saveAs' | 'exportCopy'): Promise<void> {
    const store = this.sqliteStore()
    const win = this.window()
    if (!store || !win) return
    const picked = await dialog.showSaveDialog(win, { title: kind === 'saveAs' ? 'Save project as' : 'Export a copy', filters: FILTERS })
    if (picked.canceled || !picked.filePath) return
    if (kind === 'exportCopy') {
      const done = await exportCopy(store, picked.filePath, { overwrite: true })
      if (!done.ok) await this.explain('The copy was not written', done.error.message, done.error.hint)
      return
    }
    await this.host?.jobs.idle()
    const reopened = await saveAs(store, picked.filePath, { overwrite: true })
    if (!reopened.ok) {
      await this.explain('The project was not saved under the new name', reopened.error.message, reopened.error.hint)
      return
    }
    await this.adopt(studioForStore(reopened.value, this.engine, this.clock), false)
  }

  private sqliteStore(): SqliteProjectStore | null {
    const store = this.host?.session.store
    return store instanceof SqliteProjectStore ? store : null
  }

  private async adopt(next: StudioHost, closePrevious = true): Promise<void> {
    const previous = this.host
    this.host = next
    next.models.useVault(safeStorageVault(join(app.getPath('userData'), 'hub-token.bin')))
    if (previous && closePrevious) await previous.close()
    addRecent(app.getPath('userData'), { path: next.session.path, name: next.session.snapshot().project.name, openedAt: this.clock.now() })
    app.addRecentDocument(next.session.path)
    for (const l of this.listeners) l(next)
  }

  /**
   * An inconsistent project (parent cycle, missing parent, …): repair it into a copy beside it
   * (the original is never written), or look at it read-only. The repair's report is shown.
   */
  private async offerRepair(path: string, message: string): Promise<boolean> {
    const choice = await dialog.showMessageBox({
      type: 'warning',
      message: 'This project file is inconsistent',
      detail: `${message}\n\nKontext Studio can repair it into a copy beside it (the original is not changed), or open it read-only.`,
      buttons: ['Repair into a copy', 'Open read-only', 'Cancel'],
      cancelId: 2,
    })
    if (choice.response === 2) return false
    if (choice.response === 1) {
      const store = openProjectStore(path, { readOnly: true })
      if (!store.ok) {
        await this.explain('Kontext Studio cannot open this project', store.error.message, store.error.hint)
        return false
      }
      await this.adopt(studioForStore(store.value, this.engine, this.clock))
      return true
    }
    const repaired = await repairCopy(path, this.clock.now)
    if (!repaired.ok) {
      await this.explain('The project could not be repaired', repaired.error.message, repaired.error.hint)
      return false
    }
    await dialog.showMessageBox({
      type: 'info',
      message: 'The repaired copy is open',
      detail: `${repaired.value.path}\n\n${repaired.value.changes.map((c) => `• ${c}`).join('\n')}\n\nThis report is also in ${repaired.value.reportPath}.`,
    })
    return this.open(repaired.value.path)
  }

  private async offerRecovery(path: string, message: string): Promise<boolean> {
    const choice = await dialog.showMessageBox({
      type: 'warning',
      message: 'This project file is damaged',
      detail: `${message}\n\nYou can open it read-only, or export everything still readable to a new project. The damaged file is not modified.`,
      buttons: ['Open read-only', 'Export readable part…', 'Cancel'],
      cancelId: 2,
    })
    if (choice.response === 2) return false
    const store = openProjectStore(path, { readOnly: true })
    if (!store.ok) {
      await this.explain('Kontext Studio cannot open this project', store.error.message, store.error.hint)
      return false
    }
    if (choice.response === 0) {
      await this.adopt(studioForStore(store.value, this.engine, this.clock))
      return true
    }
    const picked = await dialog.showSaveDialog({
      title: 'Export the readable part to',
      defaultPath: join(app.getPath('documents'), 'Recovered.kstudio'),
      filters: FILTERS,
    })
    if (picked.canceled || !picked.filePath) {
      store.value.close()
      return false
    }
    const report = exportReadable(store.value, picked.filePath, this.clock.now)
    store.value.close()
    if (!report.ok) {
      await this.explain('Nothing could be recovered', report.error.message, report.error.hint)
      return false
    }
    return this.open(picked.filePath)
  }

  private async explain(title: string, message: string, hint?: string): Promise<void> {
    const win = this.window()
    const options = { type: 'error' as const, message: title, detail: hint ? `${message}\n\n${hint}` : message }
    await (win ? dialog.showMessageBox(win, options) : dialog.showMessageBox(options))
  }
}

/** One thin handler per contract entry: check the sender, validate, call the host, reply. */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron'
import { Channels, EVENT_CHANNEL, requestNames } from '../../core/contract/channels'
import { studioError, toErrorData } from '../../core/result'
import type { StudioHost } from '../services/studioHost'
import { APP_ORIGIN } from './appProtocol'

/** Electron checklist #17: only our own page may call the host. */
const isTrustedSender = (event: IpcMainInvokeEvent): boolean => {
  const url = event.senderFrame?.url ?? ''
  return url.startsWith(`${APP_ORIGIN}/`)
}

/** Handlers ask for the current host on every call, so switching projects needs no re-registration. */
export function registerIpcHandlers(host: () => StudioHost | null): void {
  for (const name of requestNames) {
    ipcMain.handle(Channels[name], async (event, params: unknown) => {
      if (!isTrustedSender(event)) return { ok: false, error: studioError('request.forbidden', 'This page may not use the studio.') }
      const studio = host()
      if (!studio)
        return { ok: false, error: studioError('project.none', 'No project is open.', 'Open or create a project from the File menu.') }
      try {
        return { ok: true, value: (await studio.handle(name, params)) ?? null }
      } catch (caught) {
        return { ok: false, error: toErrorData(caught) }
      }
    })
  }
}

/** Forwards a host's events to the window; returns the unsubscribe for when the project changes. */
export function forwardEvents(host: StudioHost, contents: () => WebContents | null): () => void {
  return host.onEvent((event) => contents()?.send(EVENT_CHANNEL, event))
}

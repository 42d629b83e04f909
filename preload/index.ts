/**
 * The sandboxed preload: exposes exactly the StudioApi to the page, never ipcRenderer itself.
 * Requests answer with an envelope so an expected failure keeps its code and hint across the
 * bridge (Error objects lose their fields there); it is re-thrown as the plain error shape.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { RequestName, RequestParams, RequestResults, StudioApi, StudioEvent } from '../core/contract/api'
import { createRequests } from '../core/contract/apiClient'
import { Channels, EVENT_CHANNEL } from '../core/contract/channels'
import type { BlobHash } from '../core/ids'
import type { StudioErrorData } from '../core/result'

type Envelope = { ok: true; value: unknown } | { ok: false; error: StudioErrorData }

async function invoke<K extends RequestName>(name: K, params: RequestParams<K>): Promise<RequestResults[K]> {
  const reply = (await ipcRenderer.invoke(Channels[name], params)) as Envelope
  if (!reply.ok) throw reply.error
  return reply.value as RequestResults[K]
}

const api: StudioApi = {
  ...createRequests(invoke),
  onEvent(listener: (event: StudioEvent) => void) {
    // The page never sees the IpcRendererEvent (it carries `sender`).
    const handler = (_e: IpcRendererEvent, event: StudioEvent): void => listener(event)
    ipcRenderer.on(EVENT_CHANNEL, handler)
    return () => {
      ipcRenderer.off(EVENT_CHANNEL, handler)
    }
  },
  blobUrl: (hash: BlobHash) => `kstudio://app/blob/${hash}`,
  thumbUrl: (hash: BlobHash) => `kstudio://app/thumb/${hash}`,
}

contextBridge.exposeInMainWorld('studio', api)

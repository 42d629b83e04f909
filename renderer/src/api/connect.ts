/**
 * Gives the app its StudioApi from whichever shell it runs in: the Electron preload exposes
 * `window.studio`; in a browser the web host is reached over a same-origin WebSocket.
 */
import type { StudioApi } from '../../../core/contract/api'
import { createWebSocketApi } from './wsClient'

declare global {
  interface Window {
    studio?: StudioApi
  }
}

export async function connectStudio(): Promise<StudioApi> {
  if (window.studio) return window.studio
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return createWebSocketApi(`${scheme}//${location.host}/ws`)
}

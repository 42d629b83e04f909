/**
 * Builds the request half of `StudioApi` from any transport's `invoke`, so the Electron preload
 * and the WebSocket client expose exactly the same functions.
 */
import type { RequestName, RequestParams, RequestResults, StudioRequests } from './api'
import { requestNames } from './channels'

export type Invoke = <K extends RequestName>(name: K, params: RequestParams<K>) => Promise<RequestResults[K]>

export function createRequests(invoke: Invoke): StudioRequests {
  const entries = requestNames.map((name) => [name, (params: RequestParams<typeof name>) => invoke(name, params)])
  return Object.fromEntries(entries) as StudioRequests
}

/**
 * The Electron transport without an Electron binary: the preload and the main-side handlers are
 * loaded against a stand-in `electron` module that carries calls between them the way ipcRenderer
 * and ipcMain would, so the contract, the sender check and the error envelope are exercised.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest'
import type { StudioApi, StudioEvent } from '../../../core/contract/api'
import { Channels, EVENT_CHANNEL, requestNames } from '../../../core/contract/channels'
import { StudioError, studioError } from '../../../core/result'
import type { StudioHost } from '../../../main/services/studioHost'

type Handler = (event: { senderFrame: { url: string } | null }, params: unknown) => Promise<unknown>
const handlers = new Map<string, Handler>()
const rendererListeners = new Map<string, ((e: unknown, payload: unknown) => void)[]>()
let exposed: StudioApi | null = null
let senderUrl = 'kstudio://app/index.html'

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (_key: string, api: StudioApi) => (exposed = api) },
  ipcRenderer: {
    invoke: (channel: string, params: unknown) => {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`no handler for ${channel}`)
      return handler({ senderFrame: { url: senderUrl } }, params)
    },
    on: (channel: string, fn: (e: unknown, payload: unknown) => void) =>
      rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), fn]),
    off: (channel: string, fn: (e: unknown, payload: unknown) => void) =>
      rendererListeners.set(
        channel,
        (rendererListeners.get(channel) ?? []).filter((f) => f !== fn),
      ),
  },
  ipcMain: {
    handle: (channel: string, fn: Handler) => handlers.set(channel, fn),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
  protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
}))

const eventListeners = new Set<(e: StudioEvent) => void>()
const fakeHost = {
  handle: async (name: unknown, params: unknown) => {
    if (name === 'setNodeStarred')
      throw new StudioError(studioError('node.notFound', 'There is no history node x.', 'Reload the project and try again.'))
    return { name, params }
  },
  onEvent: (l: (e: StudioEvent) => void) => (eventListeners.add(l), () => eventListeners.delete(l)),
} as unknown as StudioHost

beforeAll(async () => {
  const { registerIpcHandlers, forwardEvents } = await import('../../../main/electron/ipcHandlers')
  registerIpcHandlers(() => fakeHost)
  const contents = {
    send: (channel: string, payload: unknown) => (rendererListeners.get(channel) ?? []).forEach((fn) => fn({ sender: 'hidden' }, payload)),
  }
  forwardEvents(fakeHost, () => contents as never)
  await import('../../../preload/index')
})

describe('the Electron transport', () => {
  it('exposes every request of the contract, and nothing else, as window.studio', () => {
    expect(exposed).not.toBeNull()
    for (const name of requestNames) expect(typeof exposed?.[name]).toBe('function')
    expect(Object.keys(exposed ?? {}).sort()).toEqual([...requestNames, 'blobUrl', 'onEvent', 'thumbUrl'].sort())
    expect([...handlers.keys()].sort()).toEqual(Object.values(Channels).sort())
  })

  it('carries a request to the host and its answer back', async () => {
    expect(await exposed?.getProject({})).toEqual({ name: 'getProject', params: {} })
  })

  it('keeps an expected failure’s code and hint across the bridge', async () => {
    await expect(exposed?.setNodeStarred({ nodeId: 'x', starred: true })).rejects.toEqual({
      code: 'node.notFound',
      message: 'There is no history node x.',
      hint: 'Reload the project and try again.',
    })
  })

  it('refuses requests from any page but the studio’s own', async () => {
    senderUrl = 'https://evil.example/'
    try {
      await expect(exposed?.getProject({})).rejects.toMatchObject({ code: 'request.forbidden' })
    } finally {
      senderUrl = 'kstudio://app/index.html'
    }
  })

  it('delivers host events without the IPC event object', () => {
    const seen: unknown[] = []
    const off = exposed?.onEvent((e) => seen.push(e))
    for (const l of eventListeners) l({ kind: 'engineState', state: 'ready', reason: null })
    off?.()
    for (const l of eventListeners) l({ kind: 'engineState', state: 'crashed', reason: 'x' })
    expect(seen).toEqual([{ kind: 'engineState', state: 'ready', reason: null }])
    expect(rendererListeners.get(EVENT_CHANNEL)).toEqual([])
  })

  it('gives images URLs on the studio’s own origin', () => {
    expect(exposed?.blobUrl('a'.repeat(64) as never)).toBe(`kstudio://app/blob/${'a'.repeat(64)}`)
  })
})

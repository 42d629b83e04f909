/**
 * The smallest WebSocket client of the studio's contract, for timing: each event is handed to
 * `onEvent` as its frame arrives (the test client collects events for polling, which would add
 * its poll interval to every measurement).
 */
import WebSocket from 'ws'
import type { RequestName, RequestParams, RequestResults, StudioEvent } from '../../core/contract/api'
import type { StudioErrorData } from '../../core/result'
import { decodeFrame, encodeFrame } from '../../core/contract/wireCodec'
import type { ServerEnvelope } from '../../core/contract/wireProtocol'

export class BenchClient {
  onEvent: (e: StudioEvent) => void = () => undefined
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: StudioErrorData) => void }>()

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const env = decodeFrame(new Uint8Array(data)) as ServerEnvelope
      if (env.type === 'event') return this.onEvent(env.event)
      const p = this.pending.get(env.id)
      this.pending.delete(env.id)
      if (env.ok) p?.resolve(env.value)
      else p?.reject(env.error)
    })
  }

  static async connect(url: string): Promise<BenchClient> {
    const ws = new WebSocket(url)
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
    })
    return new BenchClient(ws)
  }

  request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<RequestResults[K]> {
    const id = this.nextId++
    const result = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.ws.send(encodeFrame({ type: 'request', id, name, params }))
    return result as Promise<RequestResults[K]>
  }

  close(): void {
    this.ws.close()
  }
}

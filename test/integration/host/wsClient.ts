/** A minimal Node WebSocket client for the contract, used to test the host the way the renderer talks to it. */
import WebSocket from 'ws'
import type { RequestName, RequestParams, RequestResults, StudioEvent } from '../../../core/contract/api'
import { decodeFrame, encodeFrame } from '../../../core/contract/wireCodec'
import type { ServerEnvelope } from '../../../core/contract/wireProtocol'
import type { StudioErrorData } from '../../../core/result'

export class TestClient {
  readonly events: StudioEvent[] = []
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: StudioErrorData) => void }>()

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const env = decodeFrame(new Uint8Array(data)) as ServerEnvelope
      if (env.type === 'event') {
        this.events.push(env.event)
        return
      }
      const p = this.pending.get(env.id)
      this.pending.delete(env.id)
      if (env.ok) p?.resolve(env.value)
      else p?.reject(env.error)
    })
  }

  static async connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers })
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve())
      ws.once('error', reject)
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)))
    })
    return new TestClient(ws)
  }

  request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<RequestResults[K]> {
    return this.send(name, params) as Promise<RequestResults[K]>
  }

  /** Sends anything, valid or not, as a hostile or buggy client would. */
  send(name: string, params: unknown): Promise<unknown> {
    const id = this.nextId++
    const result = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    this.ws.send(encodeFrame({ type: 'request', id, name, params }))
    return result
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.ws.send(bytes)
  }

  async waitFor(predicate: (e: StudioEvent) => boolean, timeoutMs = 60_000): Promise<StudioEvent> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const hit = this.events.find(predicate)
      if (hit) return hit
      if (Date.now() > deadline) throw new Error('timed out waiting for an event')
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  closed(): Promise<number> {
    return new Promise((resolve) => this.ws.once('close', (code) => resolve(code)))
  }

  close(): void {
    this.ws.close()
  }
}

/**
 * The engine process's requests that wait for one reply each (ping, describe, release, planFit):
 * numbered, answered by id, failed by a timeout or all at once when the process dies.
 */
import { StudioError, studioError } from '../../core/result'
import type { EngineReply } from '../../engine/protocol'

interface Pending {
  resolve(reply: EngineReply): void
  reject(error: StudioError): void
}

export class PendingRequests {
  private readonly waiting = new Map<number, Pending>()
  private next = 1

  /** A fresh id (jobs and cancels share the numbering, so ids never collide). */
  newId(): number {
    return this.next++
  }

  /** Sends `msg` with a new id through `send` and waits for its reply, or fails after `timeoutMs`. */
  ask<M extends { type: string }>(msg: M, timeoutMs: number, send: (m: M & { id: number }) => void): Promise<EngineReply> {
    const id = this.newId()
    return new Promise<EngineReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id)
        reject(new StudioError(studioError('engine.timeout', `The engine did not answer “${msg.type}” within ${timeoutMs / 1000} s.`)))
      }, timeoutMs)
      this.waiting.set(id, {
        resolve: (r) => (clearTimeout(timer), resolve(r)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      })
      send({ ...msg, id })
    })
  }

  /** Answers request `id` with `reply`; false when no request waits under that id. */
  answer(id: number, reply: EngineReply): boolean {
    const p = this.waiting.get(id)
    if (!p) return false
    this.waiting.delete(id)
    p.resolve(reply)
    return true
  }

  /** Fails request `id`; false when no request waits under that id. */
  fail(id: number, error: StudioError): boolean {
    const p = this.waiting.get(id)
    if (!p) return false
    this.waiting.delete(id)
    p.reject(error)
    return true
  }

  failAll(error: StudioError): void {
    for (const p of this.waiting.values()) p.reject(error)
    this.waiting.clear()
  }
}

/**
 * How a child process of the studio (the engine, the image worker) talks to its parent: Electron's
 * utilityProcess gives it `process.parentPort`, Node's fork gives it `process.send`. One message
 * in, one message out, structured clone either way.
 */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void
  postMessage(message: unknown): void
}

export interface ChildTransport<Out> {
  send(msg: Out): void
  onMessage(listener: (raw: unknown) => void): void
}

/** The parent's channel; `who` names the module in the error when it was not started as a child. */
export function parentTransport<Out>(who: string): ChildTransport<Out> {
  const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort
  if (parentPort) return { send: (m) => parentPort.postMessage(m), onMessage: (l) => parentPort.on('message', (e) => l(e.data)) }
  if (process.send) {
    const send = process.send.bind(process)
    return { send: (m) => void send(m), onMessage: (l) => process.on('message', l) }
  }
  throw new Error(`${who} must run as a child process (fork or utilityProcess)`)
}

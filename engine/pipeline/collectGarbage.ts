/**
 * A full garbage collection, for the moments the engine has just dropped hundreds of megabytes of
 * ArrayBuffers (a serialised graph and the weights read to build it, once onnxruntime holds its
 * own copy; a released phase). V8 otherwise kept them alive into the next phase: 0.8–0.9 GiB of
 * CLIP-L's build still resident while the transformer ran on the FLUX twin (bench/fluxMemory),
 * which the memory plan would have to guess at. `--expose-gc` set at run time is V8's own switch.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gc: (() => void) | null | undefined

export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc')
      const f: unknown = runInNewContext('gc')
      gc = typeof f === 'function' ? (f as () => void) : null
    } catch {
      gc = null
    }
  }
  gc?.()
}

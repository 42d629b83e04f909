/**
 * A full garbage collection, for the moments the engine has just dropped hundreds of megabytes of
 * ArrayBuffers (a serialised graph and the weights read to build it, once onnxruntime holds its
 * own copy; a released phase), so that when they are freed does not depend on V8's heuristics and
 * the memory plan need not guess at it. (On the FLUX twin about 1 GiB still stayed resident after
 * the text phase with this in place: the C heap's, which the plan counts; bench/README.md.)
 * `--expose-gc` set at run time is V8's own switch.
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

/**
 * Quantises a graph already written as `NAME.onnx` + `NAME.weights` (the form the engine caches
 * large graphs in): the float32 weights are read back one tensor at a time, the weight MatMuls
 * rewritten (quantiseGraph.ts), and the pair replaced by the quantised one. Used once, when the
 * graph is built into the cache, never on every open.
 */
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { quantiseModel, type QuantiseReport, type QuantiseSettings } from './quantiseGraph'

const ALIGN = 64

export function quantiseGraphFiles(dir: string, name: string, settings: QuantiseSettings): QuantiseReport {
  const model = join(dir, `${name}.onnx`)
  const weights = `${name}.weights`
  const next = `${name}.q.weights`
  const src = openSync(join(dir, weights), 'r')
  const dst = openSync(join(dir, next), 'w')
  let offset = 0
  try {
    const { bytes, report } = quantiseModel(readFileSync(model), settings, {
      readExternal: (location, at, length) => {
        if (location !== weights) throw new Error(`${name}.onnx refers to ${location}, not ${weights}`)
        const buf = new Uint8Array(length)
        for (let done = 0; done < length;) {
          const n = readSync(src, buf, done, length - done, at + done)
          if (n === 0) throw new Error(`${weights} ends before ${at + length} bytes`)
          done += n
        }
        return buf
      },
      place: (_tensor, data) => {
        const at = Math.ceil(offset / ALIGN) * ALIGN
        for (let done = 0; done < data.byteLength;) done += writeSync(dst, data, done, data.byteLength - done, at + done)
        offset = at + data.byteLength
        // Named as the final file: it is renamed into place below.
        return { location: weights, offset: at, length: data.byteLength }
      },
    })
    closeSync(src)
    closeSync(dst)
    renameSync(join(dir, next), join(dir, weights))
    writeFileSync(model, bytes)
    return report
  } catch (e) {
    try {
      closeSync(src)
      closeSync(dst)
    } catch {
      // already closed
    }
    rmSync(join(dir, next), { force: true })
    throw e
  }
}

/**
 * Writes a built graph to disk as `NAME.onnx` plus `NAME.weights` (ONNX external data), the form
 * onnxruntime needs above protobuf's 2 GB limit — the FLUX transformer is 24 GB in 16-bit. The
 * weights are produced and written one at a time, so the checkpoint is never in memory whole.
 * The data file is named relative to the graph, as onnxruntime requires, and lives beside it.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { GraphBuilder } from './onnxGraph'

/** Offsets are kept 64-byte aligned so providers may map the weights without copying. */
const ALIGN = 64

export interface GraphFiles {
  readonly model: string
  readonly weights: string
  /** Bytes of weights written to the data file (padding excluded). */
  readonly externalBytes: number
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.byteLength;)
    done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30), position + done)
}

export function writeGraphFiles(graph: GraphBuilder, dir: string, name: string): GraphFiles {
  if (basename(name) !== name || name.startsWith('.')) throw new Error(`graph file name ${name} must be a plain file name`)
  const model = join(dir, `${name}.onnx`)
  const weights = join(dir, `${name}.weights`)
  const fd = openSync(weights, 'w')
  let offset = 0
  let written = 0
  try {
    const bytes = graph.toBytesWithExternalData((_tensor, data) => {
      const at = Math.ceil(offset / ALIGN) * ALIGN
      writeAll(fd, data, at)
      offset = at + data.byteLength
      written += data.byteLength
      return { location: `${name}.weights`, offset: at, length: data.byteLength }
    })
    writeFileSync(model, bytes)
  } finally {
    closeSync(fd)
  }
  return { model, weights, externalBytes: written }
}

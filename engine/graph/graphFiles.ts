/**
 * Writes a built graph to disk as `NAME.onnx` plus `NAME.weights` (ONNX external data), the form
 * onnxruntime needs above protobuf's 2 GB limit — the FLUX transformer is 24 GB in 16-bit. The
 * weights are produced and written one at a time, so the checkpoint is never in memory whole.
 * The data file is named relative to the graph, as onnxruntime requires, and lives beside it.
 *
 * With `linkSources`, a weight whose float32 bytes lie verbatim in its safetensors file is not
 * copied: the graph's external data points at its offset in that file, hard-linked beside the
 * graph (onnxruntime refuses external data outside the graph's folder, symbolic links included).
 * Where a link cannot be made (another file system), the weight is copied as before.
 */
import { closeSync, linkSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { GraphBuilder, StoredBytes } from './onnxGraph'

/** Offsets are kept 64-byte aligned so providers may map the weights without copying. */
const ALIGN = 64

export interface GraphFiles {
  readonly model: string
  readonly weights: string
  /** Bytes of weights written to the data file (padding excluded). */
  readonly externalBytes: number
  /** Bytes of weights read in place from the linked source files. */
  readonly linkedBytes: number
  /** The links made beside the graph (`source-N.safetensors`). */
  readonly links: readonly string[]
}

export interface GraphFileOptions {
  readonly linkSources?: boolean
}

function writeAll(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.byteLength;)
    done += writeSync(fd, bytes, done, Math.min(bytes.byteLength - done, 1 << 30), position + done)
}

export function writeGraphFiles(graph: GraphBuilder, dir: string, name: string, opts: GraphFileOptions = {}): GraphFiles {
  if (basename(name) !== name || name.startsWith('.')) throw new Error(`graph file name ${name} must be a plain file name`)
  const model = join(dir, `${name}.onnx`)
  const weights = join(dir, `${name}.weights`)
  const fd = openSync(weights, 'w')
  let offset = 0
  let written = 0
  let linkedBytes = 0
  const links = new Map<string, string | null>()
  const refer = (s: StoredBytes) => {
    let link = links.get(s.file)
    if (link === undefined) {
      link = `source-${links.size}.safetensors`
      try {
        linkSync(s.file, join(dir, link))
      } catch {
        link = null
      }
      links.set(s.file, link)
    }
    if (link === null) return null
    linkedBytes += s.byteLength
    return { location: link, offset: s.offset, length: s.byteLength }
  }
  try {
    const bytes = graph.toBytesWithExternalData(
      (_tensor, data) => {
        const at = Math.ceil(offset / ALIGN) * ALIGN
        writeAll(fd, data, at)
        offset = at + data.byteLength
        written += data.byteLength
        return { location: `${name}.weights`, offset: at, length: data.byteLength }
      },
      1024,
      opts.linkSources ? refer : undefined,
    )
    writeFileSync(model, bytes)
  } finally {
    closeSync(fd)
  }
  return { model, weights, externalBytes: written, linkedBytes, links: [...links.values()].filter((l): l is string => l !== null) }
}

/** Shared pieces of the store suite: the drivers this runtime has, temp dirs, and sample data. */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BlobHash, JobId, NodeId } from '../../../core/ids'
import type { BlobMeta } from '../../../core/domain/model'
import { availableDrivers, type DriverName } from '../../../main/store/driver'

/**
 * Every driver this runtime offers. A missing one is said in one line, never skipped silently:
 * node:sqlite is absent before Node 22.13; better-sqlite3 is absent where its native build does not
 * match the runtime's ABI (e.g. a Node 24 or Electron run of a Node 20 install).
 */
export function driversUnderTest(): DriverName[] {
  const names = availableDrivers().map((d) => d.name)
  for (const name of ['node:sqlite', 'better-sqlite3'] as const) {
    if (!names.includes(name))
      console.log(
        `[store suite] ${name} is absent in Node ${process.versions.node}; running against ${names.join(', ') || 'no driver'} only`,
      )
  }
  if (names.length === 0) throw new Error('This runtime has no SQLite driver at all')
  return names
}

export function tempDir(prefix = 'kstudio-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Deterministic pseudo-random bytes (xorshift), so blobs differ per seed and tests stay reproducible. */
export function bytesFor(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

export function blobOf(bytes: Uint8Array, width = 64, height = 64): BlobMeta {
  const hash = createHash('sha256').update(bytes).digest('hex') as BlobHash
  return { hash, width, height, format: 'png', byteSize: bytes.byteLength, hasAlpha: false }
}

export const nid = (s: string): NodeId => s as NodeId
export const jid = (s: string): JobId => s as JobId
export const fixedClock = (start = 1_700_000_000_000): (() => number) => {
  let t = start
  return () => (t += 1000)
}

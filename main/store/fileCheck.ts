/**
 * Looks at a file *before* SQLite opens it, with plain reads only. SQLite would happily turn a
 * zero-byte file into a database, and opening a foreign or newer file read-write can rewrite its
 * header (WAL switch) — so every refusal that can be decided from the bytes is decided here, and
 * a refused file is never handed to SQLite in write mode.
 * Header layout: https://www.sqlite.org/fileformat2.html#the_database_header
 */
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'
import type { StudioErrorData } from '../../core/result'
import { APPLICATION_ID, CURRENT_VERSION } from './schema/migrations'
import { storeErrors } from './storeErrors'

const MAGIC = 'SQLite format 3\u0000'

export type FileCheck =
  | { readonly kind: 'missing' }
  | { readonly kind: 'project'; readonly version: number }
  | { readonly kind: 'refused'; readonly error: StudioErrorData }

/** Maps a Node fs error code to the store's error (exported for a test of the EACCES path). */
export function fsErrorToStoreError(path: string, code: string | undefined, detail: string): StudioErrorData {
  if (code === 'ENOENT') return storeErrors.notFound(path)
  if (code === 'EACCES' || code === 'EPERM') return storeErrors.permissionDenied(path)
  if (code === 'EISDIR') return storeErrors.isDirectory(path)
  return storeErrors.io(path, detail)
}

export interface HeaderFacts {
  readonly pageSize: number
  readonly pageCount: number | null
  readonly userVersion: number
  readonly applicationId: number
}

/** Reads the facts the store needs from a 100-byte SQLite header (null when it is not one). */
export function parseHeader(header: Uint8Array): HeaderFacts | null {
  if (header.length < 100 || Buffer.from(header.subarray(0, 16)).toString('latin1') !== MAGIC) return null
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength)
  const rawPageSize = view.getUint16(16)
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
  // The in-header page count is valid only when "version-valid-for" equals the change counter.
  const valid = view.getUint32(92) === view.getUint32(24)
  return { pageSize, pageCount: valid ? view.getUint32(28) : null, userVersion: view.getInt32(60), applicationId: view.getInt32(68) }
}

function hasWal(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0
  } catch {
    return false
  }
}

/** Classifies a path as missing, a project of a readable version, or a refusal with its reason. */
export function checkProjectFile(path: string, open: typeof openSync = openSync): FileCheck {
  let fd: number
  try {
    fd = open(path, 'r')
  } catch (caught) {
    const e = caught as NodeJS.ErrnoException
    if (e.code === 'ENOENT') return { kind: 'missing' }
    return { kind: 'refused', error: fsErrorToStoreError(path, e.code, e.message) }
  }
  try {
    const stat = fstatSync(fd)
    if (stat.isDirectory()) return { kind: 'refused', error: storeErrors.isDirectory(path) }
    if (stat.size === 0) return { kind: 'refused', error: storeErrors.empty(path) }
    const header = Buffer.alloc(100)
    let got: number
    try {
      got = readSync(fd, header, 0, 100, 0)
    } catch (caught) {
      const e = caught as NodeJS.ErrnoException
      return { kind: 'refused', error: fsErrorToStoreError(path, e.code, e.message) }
    }
    const startsLikeSqlite = header.subarray(0, Math.min(got, 16)).toString('latin1') === MAGIC.slice(0, Math.min(got, 16))
    if (got < 100) return { kind: 'refused', error: startsLikeSqlite ? storeErrors.truncated(path) : storeErrors.notSqlite(path) }
    const facts = parseHeader(header)
    if (!facts) return { kind: 'refused', error: storeErrors.notSqlite(path) }
    // A process killed during a checkpoint can leave page 1 (with the new page count) written and
    // the file not yet extended: the pages are still in the -wal file and SQLite finishes the job
    // on open. So the header's page count proves truncation only when there is no WAL to replay.
    const short = facts.pageCount !== null && stat.size < facts.pageCount * facts.pageSize
    if (short && !hasWal(path)) return { kind: 'refused', error: storeErrors.truncated(path) }
    if (facts.applicationId !== APPLICATION_ID) return { kind: 'refused', error: storeErrors.foreign(path) }
    if (facts.userVersion > CURRENT_VERSION)
      return { kind: 'refused', error: storeErrors.newerVersion(path, facts.userVersion, CURRENT_VERSION) }
    if (facts.userVersion < 1) return { kind: 'refused', error: storeErrors.corrupt(path, `unknown project format ${facts.userVersion}`) }
    return { kind: 'project', version: facts.userVersion }
  } finally {
    closeSync(fd)
  }
}

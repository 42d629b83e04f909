/**
 * Both drivers throw their own error shapes: better-sqlite3 a `SqliteError` with a string `code`
 * (`SQLITE_BUSY`), node:sqlite an `Error` with `code: 'ERR_SQLITE_ERROR'` and a numeric `errcode`.
 * The store branches on the primary SQLite result code only, so both are mapped to its name here.
 */
const PRIMARY_CODES: Readonly<Record<number, string>> = {
  1: 'SQLITE_ERROR',
  3: 'SQLITE_PERM',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  19: 'SQLITE_CONSTRAINT',
  26: 'SQLITE_NOTADB',
}

/** The primary SQLite result code name of a caught driver error (`SQLITE_BUSY`), or null. */
export function sqliteCode(caught: unknown): string | null {
  if (caught === null || typeof caught !== 'object') return null
  const e = caught as { code?: unknown; errcode?: unknown }
  if (typeof e.errcode === 'number') return PRIMARY_CODES[e.errcode & 0xff] ?? `SQLITE_${e.errcode & 0xff}`
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_')) {
    // better-sqlite3 reports extended codes (SQLITE_BUSY_SNAPSHOT); keep the primary part.
    const parts = e.code.split('_')
    return parts.length > 2 ? `${parts[0]}_${parts[1]}` : e.code
  }
  return null
}

export const isBusy = (caught: unknown): boolean => {
  const code = sqliteCode(caught)
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED'
}

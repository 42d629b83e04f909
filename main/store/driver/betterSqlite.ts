/**
 * better-sqlite3@12 (Node 20+; 13 needs Node 22). Loaded lazily with `createRequire` so a runtime
 * where the native module is missing or built for another ABI (Electron) still opens projects
 * through node:sqlite.
 */
import { createRequire } from 'node:module'
import type BetterSqlite3 from 'better-sqlite3'
import type { OpenOptions, SqlDatabase, SqliteDriver, SqlRow, SqlStatement, SqlValue } from './types'

type BetterModule = typeof BetterSqlite3

/** better-sqlite3 binds Buffers, not plain Uint8Arrays: wrap without copying. */
function bindable(params: readonly SqlValue[]): unknown[] {
  return params.map((p) => (p instanceof Uint8Array && !Buffer.isBuffer(p) ? Buffer.from(p.buffer, p.byteOffset, p.byteLength) : p))
}

class BetterDatabase implements SqlDatabase {
  readonly driver = 'better-sqlite3' as const
  private readonly cache = new Map<string, SqlStatement>()
  constructor(private readonly db: BetterSqlite3.Database) {}

  get isOpen(): boolean {
    return this.db.open
  }

  exec(sql: string): void {
    this.db.exec(sql)
  }

  prepare(sql: string): SqlStatement {
    const cached = this.cache.get(sql)
    if (cached) return cached
    const stmt = this.db.prepare(sql)
    const reader = stmt.reader
    const wrapped: SqlStatement = {
      run: (...params) => ({ changes: stmt.run(...bindable(params)).changes }),
      get: (...params) => (reader ? (stmt.get(...bindable(params)) as SqlRow | undefined) : (stmt.run(...bindable(params)), undefined)),
      all: (...params) => (reader ? (stmt.all(...bindable(params)) as SqlRow[]) : (stmt.run(...bindable(params)), [])),
    }
    this.cache.set(sql, wrapped)
    return wrapped
  }

  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE')
    try {
      const value = fn()
      this.db.exec('COMMIT')
      return value
    } catch (caught) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      throw caught
    }
  }

  async backup(destinationPath: string): Promise<void> {
    await this.db.backup(destinationPath)
  }

  close(): void {
    this.cache.clear()
    if (this.db.open) this.db.close()
  }
}

let loaded: BetterModule | null | undefined

function load(): BetterModule | null {
  if (loaded !== undefined) return loaded
  try {
    loaded = createRequire(import.meta.url)('better-sqlite3') as BetterModule
  } catch {
    loaded = null
  }
  return loaded
}

/** The better-sqlite3 driver, or null when the module cannot be loaded in this runtime. */
export function betterSqliteDriver(): SqliteDriver | null {
  const Database = load()
  if (!Database) return null
  try {
    // A module built for another ABI loads its JS but fails on first use: probe once.
    new Database(':memory:').close()
  } catch {
    return null
  }
  return {
    name: 'better-sqlite3',
    open: (path: string, options: OpenOptions) =>
      new BetterDatabase(new Database(path, { readonly: options.readOnly, fileMustExist: options.mustExist, timeout: 0 })),
  }
}

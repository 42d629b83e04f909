/**
 * The one small adapter over the synchronous SQLite API (ARCHITECTURE.md §5). The store talks
 * only to these interfaces, so the same code runs on better-sqlite3 (Node 20: CI, the web host)
 * and on `node:sqlite` (Electron 45 = Node 24, no native module to rebuild for Electron's ABI).
 * Only positional `?` parameters are used; booleans are converted to 0/1 by the caller.
 */
export type SqlValue = string | number | bigint | Uint8Array | null
export type SqlRow = Readonly<Record<string, SqlValue>>

export interface SqlRunResult {
  readonly changes: number
}

export interface SqlStatement {
  run(...params: readonly SqlValue[]): SqlRunResult
  get(...params: readonly SqlValue[]): SqlRow | undefined
  all(...params: readonly SqlValue[]): SqlRow[]
}

export interface SqlDatabase {
  readonly driver: DriverName
  exec(sql: string): void
  /** Prepared statements are cached per SQL text: the store reuses a handful of them. */
  prepare(sql: string): SqlStatement
  /** Runs `fn` inside BEGIN IMMEDIATE … COMMIT; rolls back and rethrows when it throws. */
  transaction<T>(fn: () => T): T
  /** Online backup of the live database into a new file (never a file copy of a live database). */
  backup(destinationPath: string): Promise<void>
  close(): void
  readonly isOpen: boolean
}

export type DriverName = 'better-sqlite3' | 'node:sqlite'

export interface OpenOptions {
  readonly readOnly: boolean
  /** Fail instead of creating the file when it does not exist. */
  readonly mustExist: boolean
}

export interface SqliteDriver {
  readonly name: DriverName
  open(path: string, options: OpenOptions): SqlDatabase
}

/** Which SQLite drivers this runtime offers, in order of preference. */
import { betterSqliteDriver } from './betterSqlite'
import { nodeSqliteDriver } from './nodeSqlite'
import type { DriverName, SqliteDriver } from './types'

export type { DriverName, SqlDatabase, SqliteDriver, SqlRow, SqlStatement, SqlValue } from './types'
export { sqliteCode, isBusy } from './errors'

/**
 * node:sqlite first: inside Electron it is the one that needs no native rebuild, and where both
 * exist (Node 24 with a matching better-sqlite3) the built-in one is the lasting choice.
 */
export function availableDrivers(): SqliteDriver[] {
  return [nodeSqliteDriver(), betterSqliteDriver()].filter((d): d is SqliteDriver => d !== null)
}

export function driverByName(name: DriverName): SqliteDriver | null {
  return name === 'node:sqlite' ? nodeSqliteDriver() : betterSqliteDriver()
}

/** The preferred driver, or null when the runtime has none (the caller reports `store.noDriver`). */
export function defaultDriver(): SqliteDriver | null {
  return availableDrivers()[0] ?? null
}

/**
 * `node:sqlite` (Node ≥ 22.13 unflagged; Electron 45 embeds Node 24). Loaded lazily: on Node 20
 * the module does not exist and this driver reports itself absent instead of failing the import.
 * Typed locally because @types/node 20 does not describe the module.
 */
import { createRequire } from 'node:module'
import type { OpenOptions, SqlDatabase, SqliteDriver, SqlRow, SqlStatement, SqlValue } from './types'

interface NodeStatement {
  run(...params: SqlValue[]): { changes: number | bigint }
  get(...params: SqlValue[]): SqlRow | undefined
  all(...params: SqlValue[]): SqlRow[]
}
interface NodeDatabaseSync {
  exec(sql: string): void
  prepare(sql: string): NodeStatement
  close(): void
  readonly isOpen: boolean
  readonly isTransaction: boolean
}
interface NodeSqliteModule {
  DatabaseSync: new (path: string, options?: { readOnly?: boolean; open?: boolean; timeout?: number }) => NodeDatabaseSync
  backup?: (source: NodeDatabaseSync, destination: string) => Promise<number>
}

class NodeDatabase implements SqlDatabase {
  readonly driver = 'node:sqlite' as const
  private readonly cache = new Map<string, SqlStatement>()
  constructor(
    private readonly db: NodeDatabaseSync,
    private readonly mod: NodeSqliteModule,
  ) {}

  get isOpen(): boolean {
    return this.db.isOpen
  }

  exec(sql: string): void {
    this.db.exec(sql)
  }

  prepare(sql: string): SqlStatement {
    const cached = this.cache.get(sql)
    if (cached) return cached
    const stmt = this.db.prepare(sql)
    const wrapped: SqlStatement = {
      run: (...params) => ({ changes: Number(stmt.run(...params).changes) }),
      get: (...params) => stmt.get(...params),
      all: (...params) => stmt.all(...params),
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
      if (this.db.isTransaction) this.db.exec('ROLLBACK')
      throw caught
    }
  }

  async backup(destinationPath: string): Promise<void> {
    if (!this.mod.backup) throw new Error('This Node.js has node:sqlite without backup(); Node ≥ 22.16 is needed for Save as.')
    await this.mod.backup(this.db, destinationPath)
  }

  close(): void {
    this.cache.clear()
    if (this.db.isOpen) this.db.close()
  }
}

let loaded: NodeSqliteModule | null | undefined

function load(): NodeSqliteModule | null {
  if (loaded !== undefined) return loaded
  try {
    // Node 22.5–22.12 print an ExperimentalWarning here; that is harmless.
    loaded = createRequire(import.meta.url)('node:sqlite') as NodeSqliteModule
  } catch {
    loaded = null
  }
  return loaded
}

/** The node:sqlite driver, or null when this runtime has no `node:sqlite`. */
export function nodeSqliteDriver(): SqliteDriver | null {
  const mod = load()
  if (!mod) return null
  return {
    name: 'node:sqlite',
    open: (path: string, options: OpenOptions) => {
      // node:sqlite has no "file must exist" flag; the store checks existence before it opens.
      void options.mustExist
      return new NodeDatabase(new mod.DatabaseSync(path, { readOnly: options.readOnly, timeout: 0 }), mod)
    },
  }
}

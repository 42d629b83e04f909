/**
 * Before a migration writes to an older project, a copy of it is kept beside it
 * (`name.kstudio.v1-backup`), so an upgrade can always be undone by hand and an older studio can
 * still open that copy. Taken before anything is written; when it cannot be taken, the migration
 * does not run and the file stays as it was.
 */
import { closeSync, copyFileSync, constants, existsSync, fsyncSync, openSync, statSync } from 'node:fs'
import type { SqlDatabase } from './driver'

/** The first free backup name for `path` at `version`: `.v1-backup`, then `.v1-backup-2`, … */
export function migrationBackupPath(path: string, version: number): string {
  const base = `${path}.v${version}-backup`
  if (!existsSync(base)) return base
  for (let n = 2; ; n++) if (!existsSync(`${base}-${n}`)) return `${base}-${n}`
}

const walHasFrames = (path: string): boolean => {
  try {
    return statSync(`${path}-wal`).size > 0
  } catch {
    return false
  }
}

/**
 * Writes the backup and returns its path. Without a WAL the file alone is the project, so the
 * backup is a byte-for-byte copy; with one (a crash left commits in it), SQLite's `VACUUM INTO`
 * writes a consistent copy including them (it keeps user_version and application_id).
 * The caller holds the connection's lock, so nobody writes meanwhile.
 */
export function writeMigrationBackup(db: SqlDatabase, path: string, version: number): string {
  const target = migrationBackupPath(path, version)
  if (walHasFrames(path)) db.prepare('VACUUM INTO ?').run(target)
  else copyFileSync(path, target, constants.COPYFILE_EXCL)
  // On disk before the migration's first write, or a power cut could leave neither version whole.
  const fd = openSync(target, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  return target
}

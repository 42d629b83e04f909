/**
 * Save as… and Export copy through SQLite's online backup API — never a file copy of a live
 * database, which can catch the main file and the WAL at different moments. The copy is written
 * beside the destination under a temporary name, checked, and renamed into place, so a failed or
 * interrupted export never leaves a half-written project under the chosen name.
 */
import { existsSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, basename, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { err, ok, type Result } from '../../core/result'
import { openProjectStore, type OpenProjectOptions, type SqliteProjectStore } from './sqliteProjectStore'
import { driverByName, isBusy } from './driver'
import { storeErrors } from './storeErrors'

export interface CopyOptions {
  /** Replace an existing file at the destination (the Save dialog asked the user). Default false. */
  readonly overwrite?: boolean
}

/**
 * Before replacing an existing file: refuse when another window or program holds it (replacing a
 * live project would send its writer's next commits to an unlinked file), and remove its -wal/-shm
 * so SQLite can never replay the old project's WAL onto the new file.
 */
function clearReplacedFile(store: SqliteProjectStore, target: string): Result<void> {
  const driver = driverByName(store.db.driver)
  try {
    const probe = driver?.open(target, { readOnly: false, mustExist: true })
    try {
      probe?.exec('PRAGMA locking_mode = EXCLUSIVE')
      probe?.exec('BEGIN EXCLUSIVE')
      probe?.exec('ROLLBACK')
    } finally {
      probe?.close()
    }
  } catch (caught) {
    if (isBusy(caught)) return err(storeErrors.locked(target))
    // Not a database (or unreadable as one): nothing can be holding it as a project.
  }
  for (const sidecar of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) rmSync(sidecar, { force: true })
  return ok(undefined)
}

/** Writes a consistent copy of the open project to `destination`; the open project stays open. */
export async function exportCopy(store: SqliteProjectStore, destination: string, options: CopyOptions = {}): Promise<Result<string>> {
  const target = resolve(destination)
  if (target === store.path) return err(storeErrors.alreadyExists(target))
  if (existsSync(target)) {
    if (options.overwrite !== true) return err(storeErrors.alreadyExists(target))
    const cleared = clearReplacedFile(store, target)
    if (!cleared.ok) return cleared
  }
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.partial`)
  try {
    await store.db.backup(temp)
    // The copy must open as a sound project before it takes the chosen name.
    const check = openProjectStore(temp, { readOnly: true, driver: store.db.driver })
    if (!check.ok) return err(check.error)
    const damage = check.value.damage
    check.value.close()
    if (damage !== null) return err(storeErrors.corrupt(target, damage))
    renameSync(temp, target)
    return ok(target)
  } catch (caught) {
    return err(storeErrors.io(target, caught instanceof Error ? caught.message : String(caught)))
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) rmSync(leftover, { force: true })
  }
}

/**
 * Save as…: copies the project to `destination`, closes the original and returns the copy opened
 * in its place. On failure the original stays open and untouched.
 */
export async function saveAs(
  store: SqliteProjectStore,
  destination: string,
  options: CopyOptions & Pick<OpenProjectOptions, 'now'> = {},
): Promise<Result<SqliteProjectStore>> {
  const copied = await exportCopy(store, destination, options)
  if (!copied.ok) return copied
  const driver = store.db.driver
  store.close()
  return openProjectStore(copied.value, { driver, now: options.now })
}

/** Import: copies a project file someone sent (opened read-only, never modified) to `destination` and opens the copy. */
export async function importCopy(
  source: string,
  destination: string,
  options: Pick<OpenProjectOptions, 'driver' | 'now'> = {},
): Promise<Result<SqliteProjectStore>> {
  const opened = openProjectStore(source, { readOnly: true, driver: options.driver })
  if (!opened.ok) return opened
  if (opened.value.damage !== null) {
    opened.value.close()
    return err(storeErrors.corrupt(source, opened.value.damage))
  }
  const copied = await exportCopy(opened.value, destination)
  opened.value.close()
  if (!copied.ok) return copied
  return openProjectStore(copied.value, options)
}

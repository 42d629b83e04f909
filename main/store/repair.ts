/**
 * Repairs an inconsistent project into a copy beside it (`name.repaired.kstudio`), never in place:
 * the original is copied with SQLite's online backup from a read-only connection, the copy is
 * opened (and migrated, for an older file) and the repair diff of consistency.ts is committed to
 * it in one transaction. A report of every change is written beside the copy
 * (`name.repaired.txt`). When a problem has no safe fix, nothing is kept and the answer says why.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { err, ok, type Result } from '../../core/result'
import { planRepair } from './consistency'
import { openProjectStore } from './sqliteProjectStore'
import { storeErrors } from './storeErrors'

export interface RepairReport {
  /** The repaired copy. */
  readonly path: string
  /** The text file listing what was changed. */
  readonly reportPath: string
  readonly changes: readonly string[]
}

/** The first free `name.repaired.kstudio` (then `name.repaired-2.kstudio`, …) beside `path`. */
export function repairedCopyPath(path: string): string {
  const stem = basename(path).replace(/\.kstudio$/i, '')
  for (let n = 1; ; n++) {
    const candidate = join(dirname(path), `${stem}.repaired${n === 1 ? '' : `-${n}`}.kstudio`)
    if (!existsSync(candidate) && !existsSync(candidate.replace(/\.kstudio$/, '.txt'))) return candidate
  }
}

export async function repairCopy(path: string, now: () => number = Date.now): Promise<Result<RepairReport>> {
  const source = openProjectStore(path, { readOnly: true })
  if (!source.ok) return source
  const target = repairedCopyPath(source.value.path)
  try {
    await source.value.db.backup(target)
  } catch (caught) {
    rmSync(target, { force: true })
    return err(storeErrors.io(target, caught instanceof Error ? caught.message : String(caught)))
  } finally {
    source.value.close()
  }
  const copy = openProjectStore(target, { repairing: true, now })
  if (!copy.ok) {
    rmSync(target, { force: true })
    return copy
  }
  const store = copy.value
  const plan = planRepair(store.load())
  if (plan.unrepairable.length > 0) {
    store.close()
    rmSync(target, { force: true })
    return err({
      ...storeErrors.inconsistent(path, plan.unrepairable),
      hint: 'These problems have no safe repair; open the project read-only to see and export what it holds.',
    })
  }
  try {
    store.commit(plan.diff)
  } finally {
    store.close()
  }
  const reportPath = target.replace(/\.kstudio$/, '.txt')
  const lines = [`Repaired copy of ${basename(path)} (the original was not changed).`, '', ...plan.changes.map((c) => `- ${c}`), '']
  writeFileSync(reportPath, lines.join('\n'))
  return ok({ path: target, reportPath, changes: plan.changes })
}

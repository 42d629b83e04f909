/** The consistency check as `connect` runs it on the open connection, before anything is written. */
import type { StudioErrorData } from '../../core/result'
import { checkConsistency } from './consistency'
import type { SqlDatabase } from './driver'
import { loadState } from './loadState'
import { storeErrors } from './storeErrors'

/** Null when the project is consistent; else the refusal naming what is wrong. */
export function consistencyRefusal(db: SqlDatabase, path: string): StudioErrorData | null {
  let problems: string[]
  try {
    problems = checkConsistency(loadState(db)).map((p) => p.text)
  } catch {
    // A record that cannot even be read (malformed JSON in a column): only a read-only open helps.
    problems = ['a record cannot be read']
  }
  return problems.length === 0 ? null : storeErrors.inconsistent(path, problems)
}

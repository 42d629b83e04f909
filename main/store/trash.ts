/** Emptying the trash: the pure plan from core/domain/trash.ts, committed in one transaction. */
import { planEmptyTrash } from '../../core/domain/trash'
import type { SqliteProjectStore } from './sqliteProjectStore'

export interface EmptyTrashReport {
  readonly removedNodes: number
  readonly removedBlobs: number
  /** Bytes of blob data removed from the project (the file shrinks only after a VACUUM). */
  readonly freedBytes: number
}

export function emptyTrash(store: SqliteProjectStore): EmptyTrashReport {
  const state = store.load()
  const plan = planEmptyTrash(state)
  const removedBlobs = plan.removeBlobs ?? []
  const freedBytes = removedBlobs.reduce((sum, hash) => sum + (state.blobs[hash]?.byteSize ?? 0), 0)
  store.commit(plan)
  return { removedNodes: plan.removeNodes?.length ?? 0, removedBlobs: removedBlobs.length, freedBytes }
}

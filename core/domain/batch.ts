/**
 * A batch is one instruction over many photos. It is not a new record in the project store: each
 * photo is an import root labelled `<file name> · batch <id>`, and its edits are the root's
 * children. So a batch is derived from labels the store already keeps (renaming a root takes it
 * out of its batch), the review state is the edit's star (accepted) or trash (rejected), and an
 * old project file opens unchanged.
 */
import type { NodeId } from '../ids'
import type { HistoryNode, NodeStatus, ProjectState } from './model'

const LABEL = /^(.*) · batch ([A-Za-z0-9_-]{1,64})( · workers)?( · paused)?$/

/**
 * How a batch runs, recorded on each root's label so it survives a restart with the project:
 * `workers` — on `kontext worker`s through Redis, so the studio's own queue never runs its jobs;
 * `paused` — items not yet started wait (the running one finishes).
 */
export interface BatchFlags {
  readonly workers?: boolean
  readonly paused?: boolean
}

/** The label a batch's import root carries. */
export function batchRootLabel(fileName: string, batchId: string, flags: BatchFlags = {}): string {
  return `${fileName.slice(0, 120)} · batch ${batchId}${flags.workers ? ' · workers' : ''}${flags.paused ? ' · paused' : ''}`
}

export interface BatchLabel {
  readonly fileName: string
  readonly batchId: string
  readonly workers: boolean
  readonly paused: boolean
}

/** The batch id and file name a root's label records, or null when it is not part of a batch. */
export function parseBatchLabel(label: string | null): BatchLabel | null {
  const m = label === null ? null : LABEL.exec(label)
  return m ? { fileName: m[1] as string, batchId: m[2] as string, workers: m[3] !== undefined, paused: m[4] !== undefined } : null
}

export interface BatchItem {
  readonly rootId: NodeId
  readonly fileName: string
  /** The newest live edit under the root (a re-run replaces the one shown); null once all are trashed. */
  readonly edit: HistoryNode | null
  readonly status: NodeStatus | 'rejected'
  readonly accepted: boolean
}

/** The items of one batch, in the order the photos were added. */
export function batchItems(state: ProjectState, batchId: string): BatchItem[] {
  const nodes = Object.values(state.nodes)
  return nodes
    .filter((n) => n.parentId === null && n.deletedAt === null && parseBatchLabel(n.label)?.batchId === batchId)
    .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
    .map((root) => {
      const edits = nodes
        .filter((n) => n.parentId === root.id && n.deletedAt === null && n.kind === 'edit')
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      const edit = edits[0] ?? null
      return {
        rootId: root.id,
        fileName: parseBatchLabel(root.label)?.fileName ?? root.sourceName ?? root.id,
        edit,
        status: edit ? edit.status : 'rejected',
        accepted: edit !== null && edit.starred && edit.status === 'done',
      }
    })
}

/** Every batch id in the project, newest first. */
export function batchIds(state: ProjectState): string[] {
  const newest = new Map<string, number>()
  for (const n of Object.values(state.nodes)) {
    const b = n.parentId === null && n.deletedAt === null ? parseBatchLabel(n.label) : null
    if (b) newest.set(b.batchId, Math.max(newest.get(b.batchId) ?? 0, n.createdAt))
  }
  return [...newest.entries()].sort((a, b) => b[1] - a[1]).map(([id]) => id)
}

/**
 * Zip entry names for the accepted results: the input's name with a `.png` extension (results are
 * PNG), never a path (separators and control characters become `_`), and unique (`a-2.png`).
 */
export function exportNames(fileNames: readonly string[]): string[] {
  const used = new Set<string>()
  return fileNames.map((raw) => {
    const clean = raw.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').replace(/^\.+/, '_')
    const stem = clean.replace(/\.[^.]*$/, '') || 'image'
    let name = `${stem}.png`
    for (let i = 2; used.has(name.toLowerCase()); i++) name = `${stem}-${i}.png`
    used.add(name.toLowerCase())
    return name
  })
}

/** One real edit of the batch's first photo, timed in the engine (`calibrateBatch`). */
export interface Calibration {
  readonly editMs: number
  readonly steps: number
}

/**
 * The plan's estimate in ms: the measured edit × the rounds the batch takes — `count` items,
 * `concurrency` at a time (1 on the studio's queue; the number of workers on Redis), the last
 * round possibly part-full. Measured at the plan's own steps (a change of steps re-measures).
 */
export function estimateFromCalibration(c: Calibration, count: number, concurrency: number): number {
  const rounds = Math.ceil(Math.max(0, count) / Math.max(1, Math.floor(concurrency)))
  return Math.round(c.editMs * rounds)
}

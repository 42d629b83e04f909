/**
 * Layer-edit undo/redo as data (tldraw's RecordsDiff idea): each step records the layers that were
 * added, removed or changed and the stacking order before and after — not a snapshot of the whole
 * document. Only document changes are steps; selection and viewport never reach this stack, so
 * selecting a layer does not wipe redo (the excalidraw lesson). Generation history is separate.
 */
import type { LayerId } from '../ids'
import type { Layer, LayerDocument } from './model'

export interface LayerDiff {
  readonly added: readonly Layer[]
  readonly removed: readonly Layer[]
  readonly updated: readonly (readonly [from: Layer, to: Layer])[]
  /** Bottom-first ids before and after, when the order changed (adds and removes included). */
  readonly order: readonly [from: readonly LayerId[], to: readonly LayerId[]] | null
}

export interface UndoStack {
  readonly undo: readonly LayerDiff[]
  readonly redo: readonly LayerDiff[]
}

export const EMPTY_STACK: UndoStack = { undo: [], redo: [] }
/** Enough for a long session of nudges; the oldest steps fall off. */
export const MAX_STEPS = 200

export function diffDocuments(before: LayerDocument, after: LayerDocument): LayerDiff | null {
  const old = new Map(before.layers.map((l) => [l.id, l]))
  const now = new Map(after.layers.map((l) => [l.id, l]))
  const added = after.layers.filter((l) => !old.has(l.id))
  const removed = before.layers.filter((l) => !now.has(l.id))
  const updated: (readonly [Layer, Layer])[] = []
  for (const l of after.layers) {
    const prev = old.get(l.id)
    if (prev && prev !== l && JSON.stringify(prev) !== JSON.stringify(l)) updated.push([prev, l])
  }
  const from = before.layers.map((l) => l.id)
  const to = after.layers.map((l) => l.id)
  const sameOrder = from.length === to.length && from.every((id, i) => id === to[i])
  if (!added.length && !removed.length && !updated.length && sameOrder) return null
  return { added, removed, updated, order: sameOrder ? null : [from, to] }
}

/** Applies a diff forwards (redo) or backwards (undo). */
export function applyLayerDiff(doc: LayerDocument, diff: LayerDiff, direction: 'forward' | 'backward'): LayerDocument {
  const fwd = direction === 'forward'
  const byId = new Map(doc.layers.map((l) => [l.id, l]))
  for (const l of fwd ? diff.removed : diff.added) byId.delete(l.id)
  for (const l of fwd ? diff.added : diff.removed) byId.set(l.id, l)
  for (const [from, to] of diff.updated) byId.set(to.id, fwd ? to : from)
  const order = diff.order ? diff.order[fwd ? 1 : 0] : doc.layers.map((l) => l.id)
  const layers = order.map((id) => byId.get(id)).filter((l): l is Layer => l !== undefined)
  return { ...doc, layers }
}

/** Records a step; a new step clears redo. */
export function pushStep(stack: UndoStack, diff: LayerDiff): UndoStack {
  return { undo: [...stack.undo, diff].slice(-MAX_STEPS), redo: [] }
}

export function canUndo(stack: UndoStack): boolean {
  return stack.undo.length > 0
}

export function canRedo(stack: UndoStack): boolean {
  return stack.redo.length > 0
}

export function undoStep(stack: UndoStack, doc: LayerDocument): { stack: UndoStack; doc: LayerDocument } | null {
  const diff = stack.undo[stack.undo.length - 1]
  if (!diff) return null
  return { stack: { undo: stack.undo.slice(0, -1), redo: [...stack.redo, diff] }, doc: applyLayerDiff(doc, diff, 'backward') }
}

export function redoStep(stack: UndoStack, doc: LayerDocument): { stack: UndoStack; doc: LayerDocument } | null {
  const diff = stack.redo[stack.redo.length - 1]
  if (!diff) return null
  return { stack: { undo: [...stack.undo, diff], redo: stack.redo.slice(0, -1) }, doc: applyLayerDiff(doc, diff, 'forward') }
}

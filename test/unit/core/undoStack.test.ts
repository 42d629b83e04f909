/** Layer-edit undo/redo: moves, opacity, strokes, adds and reorders are steps; redo is cleared by a new step. */
import { describe, expect, it } from 'vitest'
import { asBlobHash, asLayerId, asNodeId } from '../../../core/ids'
import {
  addLayer,
  createDocument,
  createImageLayer,
  createPaintLayer,
  moveLayer,
  removeLayer,
  updateLayer,
} from '../../../core/domain/layers'
import {
  EMPTY_STACK,
  MAX_STEPS,
  applyLayerDiff,
  canRedo,
  canUndo,
  diffDocuments,
  pushStep,
  redoStep,
  undoStep,
  type UndoStack,
} from '../../../core/domain/undoStack'
import type { LayerDocument } from '../../../core/domain/model'

const a = createImageLayer(asLayerId('a'), 'a', asBlobHash('a'.repeat(64)), 10, 10, { x: 5, y: 5 })
const b = createImageLayer(asLayerId('b'), 'b', asBlobHash('b'.repeat(64)), 10, 10, { x: 50, y: 50 })
const paint = createPaintLayer(asLayerId('p'), 'Mask', true)
const start = addLayer(addLayer(addLayer(createDocument(asNodeId('n'), 100, 100), a), b), paint)

/** Runs edits as the store does: each is diffed and pushed. */
function record(doc: LayerDocument, edits: ((d: LayerDocument) => LayerDocument)[]): { doc: LayerDocument; stack: UndoStack } {
  let stack = EMPTY_STACK
  for (const edit of edits) {
    const next = edit(doc)
    const diff = diffDocuments(doc, next)
    if (diff) stack = pushStep(stack, diff)
    doc = next
  }
  return { doc, stack }
}

describe('layer undo stack', () => {
  it('undoes and redoes a move, an opacity change and a stroke in order', () => {
    const moved = (d: LayerDocument) => updateLayer(d, asLayerId('a'), { transform: { ...a.transform, x: 40 } })
    const faded = (d: LayerDocument) => updateLayer(d, asLayerId('b'), { opacity: 0.3 })
    const stroke = (d: LayerDocument) => updateLayer(d, asLayerId('p'), { blob: asBlobHash('c'.repeat(64)) })
    const { doc, stack } = record(start, [moved, faded, stroke])
    expect(stack.undo).toHaveLength(3)
    let s = stack
    let d = doc
    const steps: LayerDocument[] = []
    for (let i = 0; i < 3; i++) {
      const r = undoStep(s, d)
      if (!r) throw new Error('expected a step')
      ;({ stack: s, doc: d } = r)
      steps.push(d)
    }
    expect(steps[0]).toEqual(moved(faded(start)))
    expect(steps[2]).toEqual(start)
    expect(canUndo(s)).toBe(false)
    expect(undoStep(s, d)).toBeNull()
    const again = redoStep(s, d)
    expect(again?.doc).toEqual(moved(start))
    expect(canRedo(again?.stack ?? EMPTY_STACK)).toBe(true)
  })

  it('undoes an add, a delete and a reorder, restoring the stacking order', () => {
    const c = createImageLayer(asLayerId('c'), 'c', asBlobHash('d'.repeat(64)), 4, 4, { x: 1, y: 1 })
    const { doc, stack } = record(start, [
      (d) => addLayer(d, c, 1),
      (d) => removeLayer(d, asLayerId('a')),
      (d) => moveLayer(d, asLayerId('p'), 0),
    ])
    expect(doc.layers.map((l) => l.id)).toEqual(['p', 'c', 'b'])
    let r = { stack, doc }
    for (let i = 0; i < 3; i++) r = undoStep(r.stack, r.doc) ?? r
    expect(r.doc).toEqual(start)
    for (let i = 0; i < 3; i++) r = redoStep(r.stack, r.doc) ?? r
    expect(r.doc).toEqual(doc)
  })

  it('records nothing for a change that changes nothing', () => {
    expect(diffDocuments(start, updateLayer(start, asLayerId('a'), { opacity: 1 }))).toBeNull()
  })

  it('clears redo when a new step is recorded after an undo', () => {
    const { doc, stack } = record(start, [(d) => updateLayer(d, asLayerId('a'), { opacity: 0.5 })])
    const undone = undoStep(stack, doc)
    if (!undone) throw new Error('expected a step')
    const diff = diffDocuments(undone.doc, updateLayer(undone.doc, asLayerId('b'), { visible: false }))
    if (!diff) throw new Error('expected a diff')
    expect(canRedo(undone.stack)).toBe(true)
    expect(canRedo(pushStep(undone.stack, diff))).toBe(false)
  })

  it('keeps at most MAX_STEPS steps', () => {
    const diff = diffDocuments(start, updateLayer(start, asLayerId('a'), { opacity: 0.5 }))
    if (!diff) throw new Error('expected a diff')
    let s = EMPTY_STACK
    for (let i = 0; i < MAX_STEPS + 5; i++) s = pushStep(s, diff)
    expect(s.undo).toHaveLength(MAX_STEPS)
  })

  it('applies a diff backwards to give the earlier document', () => {
    const after = updateLayer(start, asLayerId('b'), { name: 'renamed' })
    const diff = diffDocuments(start, after)
    if (!diff) throw new Error('expected a diff')
    expect(applyLayerDiff(after, diff, 'backward')).toEqual(start)
    expect(applyLayerDiff(start, diff, 'forward')).toEqual(after)
  })
})

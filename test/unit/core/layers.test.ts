/** A designer's layer stack: drop shots, reorder, duplicate, hide, mask — as pure data. */
import { describe, expect, it } from 'vitest'
import { asBlobHash, asLayerId, asNodeId } from '../../../core/ids'
import {
  activeMask,
  addLayer,
  compositeLayers,
  createDocument,
  createImageLayer,
  createPaintLayer,
  createTextLayer,
  duplicateLayer,
  findLayer,
  moveLayer,
  removeLayer,
  snapBox,
  transformedBounds,
  updateLayer,
} from '../../../core/domain/layers'

const hash = (c: string) => asBlobHash(c.repeat(64))
const id = asLayerId
const doc0 = createDocument(asNodeId('n1'), 200, 100)
const bottle = createImageLayer(id('bottle'), 'bottle.png', hash('a'), 40, 80, { x: 100, y: 50 })
const label = createTextLayer(id('label'), 'Label', 'SALE', { x: 10, y: 10 })
const mask = createPaintLayer(id('mask'), 'Mask', true)

describe('layer stack', () => {
  it('places a dropped image centred on the drop point at its natural size', () => {
    expect(bottle.transform).toEqual({ x: 80, y: 10, scaleX: 1, scaleY: 1, rotation: 0 })
    expect(bottle.opacity).toBe(1)
    expect(bottle.visible).toBe(true)
  })

  it('adds on top by default and at an index when asked, without touching the input', () => {
    const d1 = addLayer(doc0, bottle)
    const d2 = addLayer(d1, label, 0)
    expect(d2.layers.map((l) => l.id)).toEqual(['label', 'bottle'])
    expect(d1.layers.map((l) => l.id)).toEqual(['bottle'])
    expect(doc0.layers).toEqual([])
  })

  it('reorders by moving a layer to a stack position, clamped to the stack', () => {
    const d = [bottle, label, mask].reduce((acc, l) => addLayer(acc, l), doc0)
    expect(moveLayer(d, id('mask'), 0).layers.map((l) => l.id)).toEqual(['mask', 'bottle', 'label'])
    expect(moveLayer(d, id('bottle'), 99).layers.map((l) => l.id)).toEqual(['label', 'mask', 'bottle'])
    expect(moveLayer(d, id('nope'), 0)).toBe(d)
  })

  it('duplicates just above the original with a new id, a copy name and an offset', () => {
    const d = duplicateLayer(addLayer(addLayer(doc0, bottle), label), id('bottle'), id('b2'))
    expect(d.layers.map((l) => l.id)).toEqual(['bottle', 'b2', 'label'])
    const copy = findLayer(d, id('b2'))
    expect(copy?.name).toBe('bottle.png copy')
    expect(copy?.transform.x).toBe(90)
  })

  it('keeps a duplicated paint layer aligned with the document', () => {
    const d = duplicateLayer(addLayer(doc0, mask), id('mask'), id('m2'))
    expect(findLayer(d, id('m2'))).toMatchObject({ kind: 'paint', isMask: true, name: 'Mask copy', transform: mask.transform })
  })

  it('updates only the named layer, clamps opacity, and never changes an image layer’s picture', () => {
    const d = addLayer(addLayer(doc0, bottle), label)
    const hidden = updateLayer(d, id('bottle'), { visible: false, opacity: 3, blob: hash('b') })
    const b = findLayer(hidden, id('bottle'))
    expect(b).toMatchObject({ visible: false, opacity: 1, blob: hash('a') })
    expect(findLayer(hidden, id('label'))).toBe(label)
    expect(findLayer(updateLayer(d, id('label'), { text: 'NEW' }), id('label'))).toMatchObject({ text: 'NEW' })
    expect(updateLayer(d, id('nope'), { visible: false })).toBe(d)
  })

  it('removes a layer', () => {
    expect(removeLayer(addLayer(doc0, bottle), id('bottle')).layers).toEqual([])
  })

  it('flattens only visible non-mask layers with content, and finds the painted mask', () => {
    const painted = { ...mask, blob: hash('c') }
    const emptyPaint = createPaintLayer(id('p'), 'Paint', false)
    const d = [bottle, { ...label, visible: false }, painted, emptyPaint].reduce((acc, l) => addLayer(acc, l), doc0)
    expect(compositeLayers(d).map((l) => l.id)).toEqual(['bottle'])
    expect(activeMask(d)?.id).toBe('mask')
    expect(activeMask(addLayer(doc0, mask))).toBeNull()
  })
})

describe('transforms and snapping', () => {
  it('bounds a scaled and rotated layer', () => {
    expect(transformedBounds({ x: 10, y: 20, scaleX: 2, scaleY: 0.5, rotation: 0 }, 40, 80)).toEqual({
      x: 10,
      y: 20,
      width: 80,
      height: 40,
    })
    const r = transformedBounds({ x: 0, y: 0, scaleX: 1, scaleY: 1, rotation: 90 }, 40, 80)
    expect(r.x).toBeCloseTo(-80)
    expect(r.width).toBeCloseTo(80)
    expect(r.height).toBeCloseTo(40)
  })

  it('snaps a box edge to the document edge and its centre to the document centre', () => {
    const s = snapBox({ x: 3, y: 27, width: 40, height: 46 }, { width: 200, height: 100 }, [], 5)
    expect(s.dx).toBe(-3)
    expect(s.guidesX).toEqual([0])
    expect(s.dy).toBe(0) // centre at 50 already
    expect(s.guidesY).toEqual([50])
  })

  it('snaps to another layer’s edge and leaves far boxes alone', () => {
    const other = { x: 120, y: 0, width: 20, height: 20 }
    const s = snapBox({ x: 60, y: 60, width: 58, height: 10 }, { width: 300, height: 300 }, [other], 4)
    expect(s.dx).toBe(2)
    expect(snapBox({ x: 60, y: 60, width: 10, height: 10 }, { width: 300, height: 300 }, [other], 4)).toEqual({
      dx: 0,
      dy: 0,
      guidesX: [],
      guidesY: [],
    })
  })
})

describe('placing a dropped picture', () => {
  it('fits a larger picture inside the document, centred, never enlarging a small one', async () => {
    const { placeInside } = await import('../../../core/domain/layers')
    expect(placeInside({ width: 64, height: 64 }, 128, 128, { x: 32, y: 32 })).toEqual({
      x: 0,
      y: 0,
      scaleX: 0.5,
      scaleY: 0.5,
      rotation: 0,
    })
    expect(placeInside({ width: 64, height: 64 }, 256, 64, { x: 10, y: 10 })).toEqual({
      x: 0,
      y: 2,
      scaleX: 0.25,
      scaleY: 0.25,
      rotation: 0,
    })
    expect(placeInside({ width: 100, height: 100 }, 20, 10, { x: 50, y: 50 })).toEqual({ x: 40, y: 45, scaleX: 1, scaleY: 1, rotation: 0 })
    // Dropped near an edge: moved in just enough to lie on the picture.
    expect(placeInside({ width: 100, height: 100 }, 20, 10, { x: 99, y: 1 })).toMatchObject({ x: 80, y: 0 })
  })
})

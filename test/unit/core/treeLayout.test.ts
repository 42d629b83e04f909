import { describe, expect, it } from 'vitest'
import { layoutForest } from '../../../core/domain/treeLayout'
import { asNodeId } from '../../../core/ids'
import type { HistoryNode } from '../../../core/domain/model'

function node(id: string, parentId: string | null, createdAt: number, deletedAt: number | null = null): HistoryNode {
  return {
    id: asNodeId(id),
    parentId: parentId === null ? null : asNodeId(parentId),
    kind: parentId ? 'edit' : 'import',
    prompt: null,
    params: null,
    contextBlobs: [],
    contextFromParent: false,
    resultBlob: null,
    status: 'done',
    error: null,
    timings: {},
    createdAt,
    label: null,
    starred: false,
    deletedAt,
    sourceName: null,
    region: null,
  }
}
const forest = (...list: HistoryNode[]) => Object.fromEntries(list.map((n) => [n.id, n]))
const place = (layout: ReturnType<typeof layoutForest>) => Object.fromEntries(layout.nodes.map((n) => [n.node.id, [n.col, n.row]]))

describe('the history graph layout', () => {
  it('puts roots on top, branches side by side, and a parent over its children', () => {
    const layout = layoutForest(forest(node('a', null, 1), node('b', 'a', 2), node('c', 'a', 3), node('d', 'b', 4), node('e', null, 5)))
    expect(place(layout)).toEqual({ d: [0, 2], b: [0, 1], c: [1, 1], a: [0.5, 0], e: [2, 0] })
    expect(layout.columns).toBe(3)
    expect(layout.rows).toBe(3)
    expect(layout.edges).toContainEqual({ from: 'a', to: 'c' })
  })

  it('hides trashed branches and collapsed children', () => {
    const nodes = forest(node('a', null, 1), node('b', 'a', 2), node('c', 'a', 3, 9), node('d', 'b', 4))
    expect(Object.keys(place(layoutForest(nodes))).sort()).toEqual(['a', 'b', 'd'])
    expect(Object.keys(place(layoutForest(nodes, new Set(['b'])))).sort()).toEqual(['a', 'b'])
  })

  it('lays out a 2,000-deep chain without recursion', () => {
    const chain = [node('n0', null, 0), ...Array.from({ length: 2000 }, (_, i) => node(`n${i + 1}`, `n${i}`, i + 1))]
    const layout = layoutForest(forest(...chain))
    expect(layout.rows).toBe(2001)
    expect(layout.columns).toBe(1)
  })
})

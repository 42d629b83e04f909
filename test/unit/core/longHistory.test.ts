/**
 * A linear history as deep as a long session makes it (20,000 edits, each on the one before):
 * every walk over the forest finishes and returns every node. A recursive walk overflowed the call
 * stack at this depth and the history panel stayed empty.
 */
import { describe, expect, it } from 'vitest'
import { restoreBranch, trashBranch } from '../../../core/domain/actions'
import { pathToRoot, subtree } from '../../../core/domain/historyTree'
import { asNodeId } from '../../../core/ids'
import { createEmptyProject } from '../../../core/domain/model'
import { removableNodes } from '../../../core/domain/trash'
import { layoutForest } from '../../../core/domain/treeLayout'
import { checkConsistency } from '../../../main/store/consistency'
import { historyRows } from '../../../renderer/src/components/historyRows'
import { chainNode, linearHistory } from '../../support/longHistory'

const N = 20_000
const nodes = linearHistory(N)
const last = asNodeId(`n${N - 1}`)

describe('a 20,000-node linear history', () => {
  it('flattens into one row per node for the history panel, each one deeper than the last', () => {
    const rows = historyRows(nodes, new Set())
    expect(rows).toHaveLength(N)
    expect(rows[0]).toMatchObject({ depth: 0, hasChildren: true })
    expect(rows[N - 1]).toMatchObject({ depth: N - 1, hasChildren: false })
    expect(rows.every((r, i) => r.node.id === `n${i}` && r.depth === i)).toBe(true)
  })

  it('stops below a collapsed node', () => {
    expect(historyRows(nodes, new Set(['n10']))).toHaveLength(11)
  })

  it('lays out as a graph one column wide and 20,000 rows deep', () => {
    const layout = layoutForest(nodes)
    expect(layout.nodes).toHaveLength(N)
    expect(layout.edges).toHaveLength(N - 1)
    expect([layout.columns, layout.rows]).toEqual([1, N])
  })

  it('walks down (subtree) and up (path to root) the whole chain', () => {
    expect(subtree(nodes, asNodeId('n0')).map((n) => n.id)).toEqual(Object.keys(nodes))
    const path = pathToRoot(nodes, last)
    expect(path).toHaveLength(N)
    expect(path[0]?.id).toBe('n0')
  })

  it('trashes and restores the whole chain from its root, and then all of it can be removed', () => {
    const state = { ...createEmptyProject('p', 'long', 0), nodes }
    const trashed = trashBranch(state, { nodeId: asNodeId('n0'), at: 5 })
    if (!trashed.ok) throw new Error(trashed.error.message)
    expect(trashed.value.putNodes).toHaveLength(N)
    const inTrash = { ...state, nodes: Object.fromEntries((trashed.value.putNodes ?? []).map((n) => [n.id, n])) }
    expect(removableNodes(inTrash).size).toBe(N)
    const restored = restoreBranch(inTrash, { nodeId: asNodeId('n0'), at: 6 })
    expect(restored.ok && restored.value.putNodes?.length).toBe(N)
  })
})

describe('the open-time consistency check on a 20,000-node chain', () => {
  it('finds nothing wrong with the chain', () => {
    expect(checkConsistency({ ...createEmptyProject('p', 'long', 0), nodes })).toEqual([])
  })

  it('finds the one cycle when the root is made the last edit’s child, without recursing 20,000 deep', () => {
    const looped = { ...nodes, n0: chainNode(0, N - 1) }
    const problems = checkConsistency({ ...createEmptyProject('p', 'long', 0), nodes: looped })
    expect(problems).toHaveLength(1)
    expect(problems[0]?.text).toMatch(/each other's ancestors \(repair: the oldest, n0, becomes a root\)/)
  })
})

describe('a damaged forest (a parent cycle) does not hang a walk', () => {
  const cyclic = { ...linearHistory(3), n0: chainNode(0, 2) }

  it('visits each node of the cycle once', () => {
    expect(subtree(cyclic, asNodeId('n0')).map((n) => n.id)).toEqual(['n0', 'n1', 'n2'])
    expect(pathToRoot(cyclic, asNodeId('n2'))).toHaveLength(3)
  })
})

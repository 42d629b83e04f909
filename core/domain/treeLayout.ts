/**
 * Lays the history forest out as a graph: roots at the top, one row per generation, branches
 * side by side. Leaves take consecutive columns; a parent sits over the middle of its children.
 * Pure and linear in the number of nodes, so a 1,000-node project lays out instantly.
 */
import type { NodeId } from '../ids'
import type { HistoryNode, ProjectState } from './model'

export interface LaidOutNode {
  readonly node: HistoryNode
  /** Column (may be fractional: centred over children) and row (depth). */
  readonly col: number
  readonly row: number
}

export interface TreeLayout {
  readonly nodes: readonly LaidOutNode[]
  readonly edges: readonly { readonly from: NodeId; readonly to: NodeId }[]
  readonly columns: number
  readonly rows: number
}

export function layoutForest(nodes: ProjectState['nodes'], collapsed: ReadonlySet<string> = new Set()): TreeLayout {
  const live = Object.values(nodes).filter((n) => n.deletedAt === null)
  const children = new Map<NodeId | null, HistoryNode[]>()
  for (const n of live) {
    const parent = n.parentId !== null && nodes[n.parentId]?.deletedAt === null ? n.parentId : null
    const list = children.get(parent) ?? []
    list.push(n)
    children.set(parent, list)
  }
  for (const list of children.values()) list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))

  const out: LaidOutNode[] = []
  const edges: { from: NodeId; to: NodeId }[] = []
  let nextColumn = 0
  let rows = 0
  // Iterative post-order, so a 1,000-deep chain cannot overflow the stack.
  const place = (root: HistoryNode): void => {
    const stack: { node: HistoryNode; depth: number; visited: boolean }[] = [{ node: root, depth: 0, visited: false }]
    const colOf = new Map<NodeId, number>()
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: HistoryNode; depth: number; visited: boolean }
      const kids = collapsed.has(top.node.id) ? [] : (children.get(top.node.id) ?? [])
      if (!top.visited && kids.length > 0) {
        top.visited = true
        for (let i = kids.length - 1; i >= 0; i--) stack.push({ node: kids[i] as HistoryNode, depth: top.depth + 1, visited: false })
        continue
      }
      stack.pop()
      const col =
        kids.length === 0
          ? nextColumn++
          : ((colOf.get((kids[0] as HistoryNode).id) as number) + (colOf.get((kids[kids.length - 1] as HistoryNode).id) as number)) / 2
      colOf.set(top.node.id, col)
      rows = Math.max(rows, top.depth + 1)
      out.push({ node: top.node, col, row: top.depth })
      for (const k of kids) edges.push({ from: top.node.id, to: k.id })
    }
  }
  for (const root of children.get(null) ?? []) place(root)
  return { nodes: out, edges, columns: nextColumn, rows }
}

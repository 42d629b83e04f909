/** Pure queries over the history forest. Ordering is by creation time, then id, so it is stable. */
import type { NodeId } from '../ids'
import type { HistoryNode, ProjectState } from './model'

type Nodes = ProjectState['nodes']

const byCreation = (a: HistoryNode, b: HistoryNode): number => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

export const isLive = (n: HistoryNode): boolean => n.deletedAt === null

export function roots(nodes: Nodes, includeDeleted = false): HistoryNode[] {
  return Object.values(nodes)
    .filter((n) => n.parentId === null && (includeDeleted || isLive(n)))
    .sort(byCreation)
}

export function childrenOf(nodes: Nodes, id: NodeId, includeDeleted = false): HistoryNode[] {
  return Object.values(nodes)
    .filter((n) => n.parentId === id && (includeDeleted || isLive(n)))
    .sort(byCreation)
}

/** The node and its ancestors, root first. */
export function pathToRoot(nodes: Nodes, id: NodeId): HistoryNode[] {
  const path: HistoryNode[] = []
  const seen = new Set<NodeId>()
  let cursor: HistoryNode | undefined = nodes[id]
  while (cursor && !seen.has(cursor.id)) {
    seen.add(cursor.id)
    path.push(cursor)
    cursor = cursor.parentId === null ? undefined : nodes[cursor.parentId]
  }
  return path.reverse()
}

/**
 * Every node's children in creation order, built in one pass. Walks over the whole forest use
 * this instead of `childrenOf` per node, which scans every node each time (quadratic: a
 * 20,000-node chain would be 400 million visits).
 */
export function childIndex(nodes: Nodes, includeDeleted = false): ReadonlyMap<NodeId, readonly HistoryNode[]> {
  const index = new Map<NodeId, HistoryNode[]>()
  for (const n of Object.values(nodes)) {
    if (n.parentId === null || !(includeDeleted || isLive(n))) continue
    const list = index.get(n.parentId)
    if (list) list.push(n)
    else index.set(n.parentId, [n])
  }
  for (const list of index.values()) list.sort(byCreation)
  return index
}

/**
 * The node and everything below it, depth first, parents before children. An explicit stack, not
 * recursion: a history is often one long chain, and its depth must not be the call stack's. A
 * `seen` set keeps a (damaged) parent cycle from looping forever.
 */
export function subtree(nodes: Nodes, id: NodeId, includeDeleted = true): HistoryNode[] {
  const start = nodes[id]
  if (!start) return []
  const kids = childIndex(nodes, includeDeleted)
  const out: HistoryNode[] = []
  const seen = new Set<NodeId>()
  const stack: HistoryNode[] = [start]
  while (stack.length > 0) {
    const node = stack.pop() as HistoryNode
    if (seen.has(node.id)) continue
    seen.add(node.id)
    out.push(node)
    const below = kids.get(node.id) ?? []
    for (let i = below.length - 1; i >= 0; i--) stack.push(below[i] as HistoryNode)
  }
  return out
}

export function siblingsOf(nodes: Nodes, id: NodeId): HistoryNode[] {
  const node = nodes[id]
  if (!node) return []
  const peers = node.parentId === null ? roots(nodes) : childrenOf(nodes, node.parentId)
  return peers
}

/** The most recently created live node, the natural "current" node after opening a project. */
export function newestNode(nodes: Nodes): HistoryNode | null {
  const live = Object.values(nodes).filter(isLive).sort(byCreation)
  return live.length > 0 ? (live[live.length - 1] as HistoryNode) : null
}

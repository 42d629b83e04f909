/** The history forest flattened into rows (depth-first, roots in creation order) for the panel. */
import { childrenOf, roots } from '../../../core/historyTree'
import type { HistoryNode, ProjectState } from '../../../core/model'

export interface HistoryRow {
  readonly node: HistoryNode
  readonly depth: number
  readonly hasChildren: boolean
}

export function historyRows(nodes: ProjectState['nodes'], collapsed: ReadonlySet<string>): HistoryRow[] {
  const rows: HistoryRow[] = []
  const visit = (node: HistoryNode, depth: number): void => {
    const kids = childrenOf(nodes, node.id)
    rows.push({ node, depth, hasChildren: kids.length > 0 })
    if (!collapsed.has(node.id)) for (const k of kids) visit(k, depth + 1)
  }
  for (const r of roots(nodes)) visit(r, 0)
  return rows
}

export function nodeTitle(node: HistoryNode): string {
  return node.label ?? node.prompt ?? node.sourceName ?? node.kind
}

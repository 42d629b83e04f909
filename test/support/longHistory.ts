/** A linear history of `length` nodes (each the child of the one before), for depth tests. */
import { asNodeId } from '../../core/ids'
import type { HistoryNode, ProjectState } from '../../core/domain/model'

export function chainNode(i: number, parent: number | null): HistoryNode {
  return {
    id: asNodeId(`n${i}`),
    parentId: parent === null ? null : asNodeId(`n${parent}`),
    kind: parent === null ? 'import' : 'edit',
    prompt: parent === null ? null : `step ${i}`,
    params: null,
    contextBlobs: [],
    contextFromParent: false,
    resultBlob: null,
    status: 'done',
    error: null,
    timings: {},
    createdAt: i,
    label: null,
    starred: false,
    deletedAt: null,
    sourceName: null,
    region: null,
  }
}

export function linearHistory(length: number): ProjectState['nodes'] {
  const nodes: Record<string, HistoryNode> = {}
  for (let i = 0; i < length; i++) nodes[`n${i}`] = chainNode(i, i === 0 ? null : i - 1)
  return nodes as ProjectState['nodes']
}

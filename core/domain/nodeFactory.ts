/** Shared building blocks of the pure actions. */
import type { NodeId } from '../ids'
import type { HistoryNode, NodeKind, ProjectState } from './model'
import type { ProjectDiff } from './projectDiff'
import { studioError, type StudioErrorData } from '../result'

export const touch = (state: ProjectState, at: number): ProjectDiff['project'] => ({ ...state.project, modifiedAt: at })

export function baseNode(id: NodeId, parentId: NodeId | null, kind: NodeKind, at: number): HistoryNode {
  return {
    id,
    parentId,
    kind,
    prompt: null,
    params: null,
    contextBlobs: [],
    contextFromParent: false,
    resultBlob: null,
    status: 'done',
    error: null,
    timings: {},
    createdAt: at,
    label: null,
    starred: false,
    deletedAt: null,
    sourceName: null,
    region: null,
  }
}

export const missingNode = (id: NodeId): StudioErrorData =>
  studioError('node.notFound', `There is no history node ${id} in this project.`, 'Reload the project and try again.')

/** Saving a node's layer document (the canvas composition it will be edited as). */
import type { LayerDocument, ProjectState } from './model'
import type { ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result } from '../result'
import { missingNode, touch } from './nodeFactory'

export function saveLayerDocument(state: ProjectState, input: { document: LayerDocument; at: number }): Result<ProjectDiff> {
  const doc = input.document
  if (!state.nodes[doc.nodeId]) return err(missingNode(doc.nodeId))
  const ids = new Set<string>()
  for (const layer of doc.layers) {
    if (ids.has(layer.id)) return err(studioError('layers.duplicateId', `Two layers share the id ${layer.id}.`))
    ids.add(layer.id)
    const blob = layer.kind === 'text' ? null : layer.blob
    if (blob !== null && !state.blobs[blob])
      return err(studioError('blob.notFound', `Layer “${layer.name}” points at an image that is not in this project.`))
  }
  return ok({ project: touch(state, input.at), putLayers: [doc] })
}

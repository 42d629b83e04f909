/**
 * Re-running never overwrites: a new seed makes a sibling, and replaying a branch makes a new
 * chain under another ancestor with the same instructions and seeds.
 */
import type { BlobHash, JobId, NodeId } from '../ids'
import type { ProjectState } from './model'
import { applyDiff, mergeDiffs, type ProjectDiff } from './projectDiff'
import { err, ok, studioError, type Result } from '../result'
import { pathToRoot } from './historyTree'
import { queueGeneration } from './jobActions'
import { missingNode } from './nodeFactory'

/** The same edit with another seed, as a sibling of the node. */
export function rerunWithSeed(
  state: ProjectState,
  input: { nodeId: NodeId; newNodeId: NodeId; jobId: JobId; seed: number; at: number },
): Result<ProjectDiff> {
  const node = state.nodes[input.nodeId]
  if (!node) return err(missingNode(input.nodeId))
  if (!node.params || node.prompt === null)
    return err(studioError('node.notGenerated', 'Only generated nodes can be re-run; this one was imported.'))
  return queueGeneration(state, {
    nodeId: input.newNodeId,
    jobId: input.jobId,
    parentId: node.parentId,
    prompt: node.prompt,
    params: { ...node.params, seed: input.seed },
    contextBlobs: node.contextBlobs,
    region: node.region,
    at: input.at,
  })
}

/**
 * Replays the instructions from just below `fromAncestorId` down to `leafId` on top of
 * `ontoNodeId` (a new or changed ancestor), seeds kept. Each replayed node takes its new parent's
 * result as its first context and keeps any further reference images of the original.
 */
export function rerunBranch(
  state: ProjectState,
  input: { fromAncestorId: NodeId; leafId: NodeId; ontoNodeId: NodeId; ids: readonly { nodeId: NodeId; jobId: JobId }[]; at: number },
): Result<ProjectDiff> {
  if (!state.nodes[input.ontoNodeId]) return err(missingNode(input.ontoNodeId))
  const path = pathToRoot(state.nodes, input.leafId)
  const start = path.findIndex((n) => n.id === input.fromAncestorId)
  if (start < 0) return err(studioError('branch.notAncestor', 'The chosen start is not an ancestor of that node.'))
  const chain = path.slice(start + 1)
  if (chain.length === 0) return err(studioError('branch.empty', 'There is nothing below the chosen start to replay.'))
  if (input.ids.length !== chain.length)
    return err(studioError('branch.ids', `Replaying needs ${chain.length} new ids, got ${input.ids.length}.`))
  let current = state
  let parent = input.ontoNodeId
  const diffs: ProjectDiff[] = []
  for (const [i, original] of chain.entries()) {
    if (!original.params || original.prompt === null)
      return err(studioError('node.notGenerated', 'An imported node cannot be replayed; start below it.'))
    const ids = input.ids[i] as { nodeId: NodeId; jobId: JobId }
    const extraRefs: BlobHash[] = original.contextBlobs.slice(1)
    const queued = queueGeneration(current, {
      nodeId: ids.nodeId,
      jobId: ids.jobId,
      parentId: parent,
      prompt: original.prompt,
      params: original.params,
      contextBlobs: extraRefs,
      contextFromParent: true,
      region: original.region,
      at: input.at,
    })
    if (!queued.ok) return queued
    diffs.push(queued.value)
    current = applyDiff(current, queued.value)
    parent = ids.nodeId
  }
  return ok(mergeDiffs(...diffs))
}

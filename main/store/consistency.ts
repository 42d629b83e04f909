/**
 * What a project file must hold to be shown and edited safely, checked on every open: the history
 * is a forest (no parent cycles, no parent that does not exist), every record is of a kind this
 * version knows, frames, jobs and layers point at nodes that exist, and no text is far over what
 * the API accepts (a 5 MB prompt in the file made the UI take 20 s). The limits are read from the
 * API's own request schemas, so the file and the requests cannot drift apart.
 *
 * `planRepair` turns the problems that have a safe fix into one diff for a *copy* of the file
 * (repair.ts); those without one (a node of a kind this version does not know) leave read-only
 * opening as the only way in. Problem sentences name records by id, never by their contents.
 */
import { RequestSchemas } from '../../core/contract/api'
import type { NodeId } from '../../core/ids'
import type { Frame, HistoryNode, Job, LayerDocument, NodeKind, NodeStatus, ProjectState } from '../../core/domain/model'
import type { ProjectDiff } from '../../core/domain/projectDiff'

/** The longest each text may be, as the API's request schemas state it. */
export const TEXT_LIMITS = {
  prompt: RequestSchemas.generate.shape.prompt.maxLength ?? 2000,
  label: RequestSchemas.setNodeLabel.shape.label.unwrap().maxLength ?? 200,
  sourceName: RequestSchemas.importImage.shape.fileName.maxLength ?? 255,
  frameTitle: RequestSchemas.updateFrame.shape.title.unwrap().maxLength ?? 200,
  frameNotes: RequestSchemas.updateFrame.shape.notes.unwrap().maxLength ?? 10_000,
  projectName: RequestSchemas.updateProject.shape.name.unwrap().maxLength ?? 200,
} as const

const KINDS: ReadonlySet<NodeKind> = new Set(['import', 'generate', 'edit', 'compose'])
const STATUSES: ReadonlySet<NodeStatus> = new Set(['queued', 'running', 'done', 'failed', 'cancelled'])
const layerDocument = RequestSchemas.saveLayers.shape.document

export interface Problem {
  /** One sentence, naming records by id. */
  readonly text: string
  /** Whether `planRepair` has a safe fix for it. */
  readonly repairable: boolean
}

/** An id as it may appear in a message: short and plain, whatever the file holds. */
export const shownId = (id: string): string => {
  const plain = id.replace(/[^A-Za-z0-9_-]/g, '?')
  return plain.length > 24 ? `${plain.slice(0, 24)}…` : plain
}

/**
 * Nodes whose chain of parents loops. Iterative, linear: each node is walked up once (a history
 * can be a 20,000-deep chain, far deeper than the call stack).
 */
export function nodesInCycles(nodes: ProjectState['nodes']): NodeId[][] {
  const done = new Set<NodeId>()
  const cycles: NodeId[][] = []
  for (const start of Object.keys(nodes) as NodeId[]) {
    if (done.has(start)) continue
    const onPath = new Map<NodeId, number>()
    const path: NodeId[] = []
    let cursor: NodeId | null = start
    while (cursor !== null && !done.has(cursor) && nodes[cursor]) {
      if (onPath.has(cursor)) {
        cycles.push(path.slice(onPath.get(cursor)))
        break
      }
      onPath.set(cursor, path.length)
      path.push(cursor)
      cursor = (nodes[cursor] as HistoryNode).parentId
    }
    for (const id of path) done.add(id)
  }
  return cycles
}

const over = (text: string | null | undefined, limit: number): boolean => typeof text === 'string' && text.length > limit
const cut = (text: string, limit: number): string => `${text.slice(0, limit - 1)}…`

interface Plan {
  readonly problems: Problem[]
  readonly diff: ProjectDiff
}

function plan(state: ProjectState): Plan {
  const problems: Problem[] = []
  const problem = (text: string, repairable = true): void => void problems.push({ text, repairable })
  const nodes = new Map<NodeId, HistoryNode>()
  const changed = (node: HistoryNode): HistoryNode => nodes.get(node.id) ?? node
  const put = (node: HistoryNode, patch: Partial<HistoryNode>): void => void nodes.set(node.id, { ...changed(node), ...patch })

  for (const node of Object.values(state.nodes)) {
    const id = shownId(node.id)
    if (!KINDS.has(node.kind)) problem(`node ${id} is of a kind this version does not know`, false)
    if (!STATUSES.has(node.status)) problem(`node ${id} has a status this version does not know`, false)
    if (node.parentId !== null && !state.nodes[node.parentId]) {
      problem(`node ${id} points at a parent that does not exist (repair: it becomes a root)`)
      put(node, { parentId: null })
    }
    if (over(node.prompt, TEXT_LIMITS.prompt)) {
      problem(
        `the instruction of node ${id} is ${node.prompt?.length} characters long, over the limit of ${TEXT_LIMITS.prompt} (repair: cut)`,
      )
      put(node, { prompt: cut(node.prompt as string, TEXT_LIMITS.prompt) })
    }
    if (over(node.label, TEXT_LIMITS.label)) {
      problem(`the name of node ${id} is over ${TEXT_LIMITS.label} characters (repair: cut)`)
      put(node, { label: cut(node.label as string, TEXT_LIMITS.label) })
    }
    if (over(node.sourceName, TEXT_LIMITS.sourceName)) {
      problem(`the file name of node ${id} is over ${TEXT_LIMITS.sourceName} characters (repair: cut)`)
      put(node, { sourceName: cut(node.sourceName as string, TEXT_LIMITS.sourceName) })
    }
  }
  for (const cycle of nodesInCycles(state.nodes)) {
    const first = cycle.map((id) => state.nodes[id] as HistoryNode).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))[0]
    if (!first) continue
    problem(
      `nodes ${cycle.slice(0, 4).map(shownId).join(', ')}${cycle.length > 4 ? ', …' : ''} are each other's ancestors (repair: the oldest, ${shownId(first.id)}, becomes a root)`,
    )
    put(first, { parentId: null })
  }

  const removeFrames: Frame['id'][] = []
  const putFrames: Frame[] = []
  for (const frame of Object.values(state.frames)) {
    const id = shownId(frame.id)
    if (!state.nodes[frame.nodeId]) {
      problem(`storyboard frame ${id} shows a node that does not exist (repair: the frame is removed)`)
      removeFrames.push(frame.id)
      continue
    }
    let fixed = frame
    if (frame.candidateNodeId !== null && !state.nodes[frame.candidateNodeId]) {
      problem(`storyboard frame ${id} proposes a node that does not exist (repair: the proposal is dropped)`)
      fixed = { ...fixed, candidateNodeId: null }
    }
    if (over(frame.title, TEXT_LIMITS.frameTitle) || over(frame.notes, TEXT_LIMITS.frameNotes)) {
      problem(`the title or notes of storyboard frame ${id} are over the limit (repair: cut)`)
      fixed = {
        ...fixed,
        title: over(frame.title, TEXT_LIMITS.frameTitle) ? cut(frame.title, TEXT_LIMITS.frameTitle) : frame.title,
        notes: over(frame.notes, TEXT_LIMITS.frameNotes) ? cut(frame.notes, TEXT_LIMITS.frameNotes) : frame.notes,
      }
    }
    if (fixed !== frame) putFrames.push(fixed)
  }

  const removeJobs: Job['id'][] = []
  for (const job of Object.values(state.jobs)) {
    if (!state.nodes[job.nodeId]) {
      problem(`job ${shownId(job.id)} is for a node that does not exist (repair: the job is removed)`)
      removeJobs.push(job.id)
    }
  }

  const putLayers: LayerDocument[] = []
  for (const doc of Object.values(state.layers)) {
    if (!state.nodes[doc.nodeId]) problem(`the layers of node ${shownId(doc.nodeId)} belong to a node that does not exist`, false)
    else if (!layerDocument.safeParse(doc).success) {
      const fixed = {
        ...doc,
        layers: doc.layers
          .map((l) => (l.kind === 'text' && l.text.length > 5000 ? { ...l, text: cut(l.text, 5000) } : l))
          .map((l) => (l.name.length > 200 ? { ...l, name: cut(l.name, 200) } : l)),
      }
      const repairable = layerDocument.safeParse(fixed).success
      problem(
        `the layers of node ${shownId(doc.nodeId)} are outside what the studio accepts${repairable ? ' (repair: long texts cut)' : ''}`,
        repairable,
      )
      if (repairable) putLayers.push(fixed)
    }
  }

  const name = state.project.name
  const project = over(name, TEXT_LIMITS.projectName) ? { ...state.project, name: cut(name, TEXT_LIMITS.projectName) } : undefined
  if (project) problem(`the project's name is over ${TEXT_LIMITS.projectName} characters (repair: cut)`)

  const diff: ProjectDiff = {
    ...(project ? { project } : {}),
    ...(nodes.size > 0 ? { putNodes: [...nodes.values()] } : {}),
    ...(putFrames.length > 0 ? { putFrames } : {}),
    ...(removeFrames.length > 0 ? { removeFrames } : {}),
    ...(removeJobs.length > 0 ? { removeJobs } : {}),
    ...(putLayers.length > 0 ? { putLayers } : {}),
  }
  return { problems, diff }
}

/** Every problem of the project, in a stable order; empty when it is consistent. */
export function checkConsistency(state: ProjectState): Problem[] {
  return plan(state).problems
}

/** The diff that repairs what can be repaired, what it does in words, and what it cannot repair. */
export function planRepair(state: ProjectState): { diff: ProjectDiff; changes: string[]; unrepairable: string[] } {
  const { problems, diff } = plan(state)
  return {
    diff,
    changes: problems.filter((p) => p.repairable).map((p) => p.text),
    unrepairable: problems.filter((p) => !p.repairable).map((p) => p.text),
  }
}

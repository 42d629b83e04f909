/** Exports that are several files: a numbered PNG sequence, and a branch with its lineage. */
import { zipSync, type Zippable } from 'fflate'
import type { NodeId } from '../../../core/ids'
import type { ProjectState } from '../../../core/domain/model'
import { pathToRoot } from '../../../core/domain/historyTree'
import { StudioError, studioError } from '../../../core/result'
import type { ProjectSession } from '../projectSession'
import type { FrameImage } from './storyboardFrames'

const pad = (n: number, width: number): string => String(n).padStart(width, '0')
const safeName = (s: string): string =>
  s
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 40) || 'untitled'

/** `001-title.png`, `002-….png`, … plus a JSON file of titles and durations for editing tools. */
export function pngSequenceZip(frames: readonly FrameImage[]): Uint8Array {
  const width = Math.max(3, String(frames.length).length)
  const files: Zippable = {}
  const timing = frames.map((f, i) => {
    const name = `${pad(i + 1, width)}-${safeName(f.title)}.png`
    // PNGs are already deflated; storing them again compressed only costs time.
    files[name] = [f.png, { level: 0 }]
    return { file: name, title: f.title, notes: f.notes, durationMs: f.durationMs }
  })
  files['storyboard.json'] = new TextEncoder().encode(JSON.stringify({ frames: timing }, null, 2))
  return zipSync(files)
}

/** The path from the root to `leafId` as PNGs, with every node's instruction, seed and parent. */
export function branchZip(state: ProjectState, session: ProjectSession, leafId: NodeId): Uint8Array {
  const path = pathToRoot(state.nodes, leafId)
  if (path.length === 0) throw new StudioError(studioError('node.notFound', `There is no history node ${leafId}.`))
  const width = Math.max(2, String(path.length).length)
  const files: Zippable = {}
  const lineage = path.map((node, i) => {
    const bytes = node.resultBlob ? session.readBlob(node.resultBlob) : null
    const file = bytes ? `${pad(i, width)}-${node.kind}-${node.id}.png` : null
    if (file && bytes) files[file] = [bytes, { level: 0 }]
    return {
      file,
      id: node.id,
      parentId: node.parentId,
      kind: node.kind,
      status: node.status,
      instruction: node.prompt,
      params: node.params,
      contexts: node.contextBlobs,
      result: node.resultBlob,
      label: node.label,
      createdAt: new Date(node.createdAt).toISOString(),
      sourceName: node.sourceName,
    }
  })
  files['lineage.json'] = new TextEncoder().encode(JSON.stringify({ project: state.project.name, leaf: leafId, nodes: lineage }, null, 2))
  return zipSync(files)
}

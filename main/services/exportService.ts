/**
 * Export requests: each returns the file's bytes for the renderer to save where the user says.
 * The image worker encodes (and decodes) the pictures; here they are only gathered and named.
 */
import type { ExportedFile, ValidParams } from '../../core/contract/api'
import { StudioError, studioError } from '../../core/result'
import type { HistoryNode } from '../../core/domain/model'
import { formatParameters } from '../../core/domain/generationParameters'
import { pathToRoot } from '../../core/domain/historyTree'
import type { ImageService } from './imageWorker'
import type { ProjectSession } from './projectSession'
import { framesWithImages } from './exports/storyboardFrames'
import { storyboardGif } from './exports/storyboardGif'
import { storyboardPdf } from './exports/storyboardPdf'
import { branchZip, pngSequenceZip } from './exports/zipExports'

const MIME = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const
const baseName = (name: string): string =>
  name
    .replace(/[^A-Za-z0-9 _-]+/g, '')
    .trim()
    .replace(/\s+/g, '-') || 'kontext'

/** How a node was made, as PNG text chunks other tools can read (iTXt). */
function provenance(session: ProjectSession, node: HistoryNode): Record<string, string> {
  const nodes = session.snapshot().nodes
  const lineage = pathToRoot(nodes, node.id).map((n) => ({
    id: n.id,
    kind: n.kind,
    instruction: n.prompt,
    seed: n.params?.seed ?? null,
    result: n.resultBlob,
  }))
  const parentHash = node.parentId ? (nodes[node.parentId]?.resultBlob ?? '') : ''
  const text: Record<string, string> = node.params
    ? {
        prompt: node.prompt ?? '',
        seed: String(node.params.seed),
        steps: String(node.params.steps),
        guidance: String(node.params.guidance),
        model: node.params.model,
        parent: parentHash,
        lineage: JSON.stringify(lineage),
        // The same settings in the form other image tools read (prompt, steps, seed, guidance, size, model).
        parameters: formatParameters({ prompt: node.prompt ?? '', ...node.params }),
      }
    : { source: node.sourceName ?? '', lineage: JSON.stringify(lineage) }
  return { ...text, software: 'Kontext Studio' }
}

export async function exportNode(session: ProjectSession, images: ImageService, p: ValidParams<'exportNode'>): Promise<ExportedFile> {
  const node = session.snapshot().nodes[p.nodeId]
  const bytes = node?.resultBlob ? session.readBlob(node.resultBlob) : null
  if (!node || !bytes) throw new StudioError(studioError('export.noImage', 'This node has no finished image to export.'))
  const out = await images.exportImage(bytes, p.format, p.scale ?? 1, p.format === 'png' ? provenance(session, node) : undefined)
  const ext = p.format === 'jpeg' ? 'jpg' : p.format
  return {
    fileName: `${baseName(node.label ?? node.prompt ?? node.sourceName ?? 'image').slice(0, 40)}-${node.id}.${ext}`,
    mimeType: MIME[p.format],
    bytes: out.bytes,
  }
}

export async function exportStoryboard(
  session: ProjectSession,
  images: ImageService,
  p: ValidParams<'exportStoryboard'>,
): Promise<ExportedFile> {
  const state = session.snapshot()
  const frames = framesWithImages(state, session)
  const name = baseName(state.project.name)
  if (p.format === 'pdf')
    return {
      fileName: `${name}-storyboard.pdf`,
      mimeType: 'application/pdf',
      bytes: await storyboardPdf(images, state.project.name, frames),
    }
  if (p.format === 'gif') return { fileName: `${name}-animatic.gif`, mimeType: 'image/gif', bytes: await storyboardGif(images, frames) }
  return { fileName: `${name}-frames.zip`, mimeType: 'application/zip', bytes: pngSequenceZip(frames) }
}

export function exportBranch(session: ProjectSession, p: ValidParams<'exportBranch'>): ExportedFile {
  const state = session.snapshot()
  return {
    fileName: `${baseName(state.project.name)}-branch-${p.leafId}.zip`,
    mimeType: 'application/zip',
    bytes: branchZip(state, session, p.leafId),
  }
}

/** The composition the renderer flattened, re-encoded here (never trusted as-is) with the node's lineage. */
export async function exportComposite(
  session: ProjectSession,
  images: ImageService,
  p: ValidParams<'exportComposite'>,
): Promise<ExportedFile> {
  const node = session.snapshot().nodes[p.nodeId]
  if (!node) throw new StudioError(studioError('node.notFound', `There is no history node ${p.nodeId}.`))
  // Decoded and re-encoded by the worker (the same checks as an import), then written with its lineage.
  const decoded = await images.ingest(p.png, 'composition')
  const text = { ...provenance(session, node), composition: `the layers of node ${node.id} over its image` }
  const { bytes: png } = await images.exportImage(decoded.png, 'png', 1, text)
  return {
    fileName: `${baseName(node.label ?? node.prompt ?? node.sourceName ?? 'image').slice(0, 40)}-${node.id}-composition.png`,
    mimeType: 'image/png',
    bytes: png,
  }
}

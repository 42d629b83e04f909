/**
 * The host operations `bench:memory` measures, each as the host runs it: through the services
 * (importService, ThumbnailCache, exportService) on a real SQLite project file in `dir`. The
 * import child creates the project; the others open it.
 */
import { join } from 'node:path'
import { asFrameId, type BlobHash, type NodeId } from '../../core/ids'
import { isErrorData, StudioError } from '../../core/result'
import { insertFrame } from '../../core/domain/storyboard'
import { maxExportScale } from '../../core/limits'
import { systemClock } from '../../main/services/clock'
import { exportNode, exportStoryboard } from '../../main/services/exportService'
import { importImageFile } from '../../main/services/importService'
import { ProjectSession } from '../../main/services/projectSession'
import { ThumbnailCache } from '../../main/services/thumbnails'
import { sharedImageWorker } from '../../main/services/imageWorker'
import { openProjectStore } from '../../main/store/sqliteProjectStore'

export type Operation =
  | 'baseline'
  | 'import'
  | 'thumbnail'
  | 'export-png-1x'
  | 'export-jpeg-1x'
  | 'export-png-0.5x'
  | 'export-webp-max'
  | 'export-png-2x'
  | 'storyboard-pdf'
  | 'storyboard-gif'

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`

/** The decoding happens in the image worker, as in the studio (its process is not this one). */
const images = sharedImageWorker()

/** The image worker's process id, while one runs (its peak is read from /proc before this process exits). */
export const imageWorkerPid = (): number | null => images.pid

function open(dir: string, create: boolean): ProjectSession {
  const store = openProjectStore(join(dir, 'bench.kstudio'), { create })
  if (!store.ok) throw new Error(store.error.message)
  return new ProjectSession(store.value)
}

function theNode(session: ProjectSession): { nodeId: NodeId; hash: BlobHash; width: number; height: number } {
  const node = Object.values(session.snapshot().nodes).find((n) => n.resultBlob)
  const blob = node?.resultBlob ? session.snapshot().blobs[node.resultBlob] : undefined
  if (!node || !blob) throw new Error('run the import first')
  return { nodeId: node.id, hash: blob.hash, width: blob.width, height: blob.height }
}

/** Runs one operation; returns a line saying what it produced. */
export async function runOperation(op: Operation, dir: string, read: (path: string) => Uint8Array): Promise<string> {
  if (op === 'import') {
    const session = open(dir, true)
    const bytes = read(join(dir, 'input.png'))
    const { nodeId } = await importImageFile(session, systemClock, images, { fileName: 'input.png', bytes })
    session.apply(insertFrame(session.snapshot(), { frameId: asFrameId('bench'), nodeId, title: 'Largest', at: systemClock.now() }))
    const { width, height } = theNode(session)
    session.close()
    return `stored ${width}×${height}`
  }
  const session = open(dir, false)
  try {
    const node = theNode(session)
    switch (op) {
      case 'baseline':
        return 'host modules loaded, project open'
      case 'thumbnail': {
        const thumb = await new ThumbnailCache(session, images).get(node.hash)
        return `thumbnail ${mb(thumb?.byteLength ?? 0)}`
      }
      case 'export-png-1x':
      case 'export-jpeg-1x':
      case 'export-png-0.5x':
      case 'export-webp-max':
      case 'export-png-2x': {
        const format = op.includes('jpeg') ? 'jpeg' : op.includes('webp') ? 'webp' : 'png'
        const scale = op.endsWith('max')
          ? maxExportScale(node.width, node.height, 'webp')
          : op.includes('0.5x')
            ? 0.5
            : op.includes('2x')
              ? 2
              : 1
        try {
          const file = await exportNode(session, images, { nodeId: node.nodeId, format, scale })
          return `${format} at ${scale}× → ${mb(file.bytes.byteLength)}`
        } catch (e) {
          if (e instanceof StudioError || isErrorData(e)) return `${format} at ${scale}× refused: ${e.message}`
          throw e
        }
      }
      case 'storyboard-pdf':
      case 'storyboard-gif': {
        const file = await exportStoryboard(session, images, { format: op === 'storyboard-pdf' ? 'pdf' : 'gif' })
        return `${file.fileName.split('.').pop()} → ${mb(file.bytes.byteLength)}`
      }
    }
  } finally {
    session.close()
  }
  return ''
}

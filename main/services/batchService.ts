/**
 * Batches on the studio's own queue: one instruction over many stored photos. Each photo becomes
 * its own import root, labelled with the batch (core/batch.ts derives the batch from that label,
 * so the store keeps no new record), and gets one edit job; the job runner runs them in order.
 */
import { zipSync, type Zippable } from 'fflate'
import { importImage, setNodeLabel } from '../../core/actions'
import type { ExportedFile, RequestResults, ValidParams } from '../../core/api'
import { batchItems, batchRootLabel, exportNames } from '../../core/batch'
import { asNodeId } from '../../core/ids'
import { applyDiff, mergeDiffs, type ProjectDiff } from '../../core/projectDiff'
import { StudioError, studioError, type Result } from '../../core/result'
import type { HostClock } from './clock'
import type { JobRunner } from './jobRunner'
import type { ProjectSession } from './projectSession'

const need = <T>(r: Result<T>): T => {
  if (!r.ok) throw new StudioError(r.error)
  return r.value
}

export class BatchService {
  constructor(
    private readonly session: ProjectSession,
    private readonly clock: HostClock,
    private readonly jobs: JobRunner,
  ) {}

  /** The caller has checked the instruction already (the host's prompt gate). */
  async start(p: ValidParams<'startBatch'>): Promise<RequestResults['startBatch']> {
    const state = this.session.snapshot()
    const missing = p.items.find((item) => !state.blobs[item.blob])
    if (missing)
      throw new StudioError(
        studioError(
          'blob.notFound',
          `The image for ${missing.fileName.slice(0, 80)} is not stored in this project.`,
          'Add the photos again.',
        ),
      )
    const batchId = this.clock.newId()
    const items: RequestResults['startBatch']['items'][number][] = []
    for (const item of p.items) {
      const fileName = item.fileName.replace(/[\\/]/g, '_').slice(0, 255)
      const nodeId = asNodeId(this.clock.newId())
      const now = this.session.snapshot()
      const meta = now.blobs[item.blob]
      if (!meta) throw new StudioError(studioError('blob.notFound', 'A photo of the batch vanished from the project.'))
      const at = this.clock.now()
      const imported: ProjectDiff = need(importImage(now, { id: nodeId, blob: meta, sourceName: fileName, at }))
      const labelled = need(setNodeLabel(applyDiff(now, imported), { nodeId, label: batchRootLabel(fileName, batchId), at }))
      this.session.apply({ ok: true, value: mergeDiffs(imported, labelled) })
      const queued = await this.jobs.enqueue({
        parentId: nodeId,
        prompt: p.prompt,
        contextBlobs: [item.blob],
        model: p.model,
        seed: p.seed,
        steps: p.steps,
        guidance: p.guidance,
      })
      items.push({ nodeId, editNodeId: queued.nodeId, jobId: queued.jobId })
    }
    return { batchId, items }
  }

  /** Cancels every queued or running job under the batch's photos (re-runs included). */
  cancel(p: ValidParams<'cancelBatch'>): { cancelled: number } {
    const state = this.session.snapshot()
    const roots = new Set(batchItems(state, p.batchId).map((i) => i.rootId))
    const live = Object.values(state.jobs).filter((j) => {
      const node = state.nodes[j.nodeId]
      const live = node?.status === 'queued' || node?.status === 'running'
      return live && node.parentId !== null && roots.has(node.parentId)
    })
    return { cancelled: live.filter((j) => this.jobs.cancel(j.nodeId).cancelled).length }
  }

  /** The accepted results, each under its input's name (as PNG). */
  export(p: ValidParams<'exportBatch'>): ExportedFile {
    const accepted = batchItems(this.session.snapshot(), p.batchId).filter((i) => i.accepted && i.edit?.resultBlob)
    if (accepted.length === 0)
      throw new StudioError(
        studioError('batch.nothingAccepted', 'No result of this batch is accepted yet.', 'Accept the results to export first.'),
      )
    const names = exportNames(accepted.map((i) => i.fileName))
    const files: Zippable = {}
    accepted.forEach((item, i) => {
      const bytes = item.edit?.resultBlob ? this.session.readBlob(item.edit.resultBlob) : null
      if (!bytes)
        throw new StudioError(studioError('blob.missing', `The result for ${item.fileName.slice(0, 80)} is missing from the project file.`))
      // PNGs are already deflated; compressing them again only costs time.
      files[names[i] as string] = [bytes, { level: 0 }]
    })
    return { fileName: `batch-${p.batchId}.zip`, mimeType: 'application/zip', bytes: zipSync(files) }
  }
}

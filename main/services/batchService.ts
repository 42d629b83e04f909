/**
 * Batches: one instruction over many stored photos. Each photo becomes its own import root,
 * labelled with the batch (core/domain/batch.ts derives the batch from that label, so the store keeps no
 * new record), and gets one edit job. The studio's job runner runs them in order, or — with a
 * Redis queue — `kontext worker`s do, and their results settle the same jobs (remoteBatch.ts).
 */
import { zipSync, type Zippable } from 'fflate'
import { importImage, setNodeLabel } from '../../core/domain/actions'
import type { ExportedFile, RequestResults, ValidParams } from '../../core/contract/api'
import { batchItems, batchRootLabel, exportNames, parseBatchLabel } from '../../core/domain/batch'
import { batchMode, setBatchPaused } from '../../core/domain/batchControl'
import { seedFor } from '../../engine/batch/plan'
import { asNodeId, type BlobHash, type NodeId } from '../../core/ids'
import { applyDiff, mergeDiffs, type ProjectDiff } from '../../core/domain/projectDiff'
import { StudioError, studioError, type Result } from '../../core/result'
import type { HostClock } from './clock'
import type { SerialEngine } from './serialRuns'
import type { JobRunner } from './jobRunner'
import { resolveSampling } from './sampling'
import type { ProjectSession } from './projectSession'
import type { ImageService } from './imageWorker'
import { RemoteBatches } from './remoteBatch'
import { isMaskPreset, type RegionPreset } from '../../core/domain/regionPreset'

const need = <T>(r: Result<T>): T => {
  if (!r.ok) throw new StudioError(r.error)
  return r.value
}

export class BatchService {
  private readonly remote: RemoteBatches

  constructor(
    private readonly session: ProjectSession,
    private readonly clock: HostClock,
    private readonly jobs: JobRunner,
    private readonly engine: SerialEngine,
    private readonly images: ImageService,
  ) {
    this.remote = new RemoteBatches(session, clock, images)
  }

  /** The caller has checked the instruction already (the host's prompt gate). */
  async start(p: ValidParams<'startBatch'>): Promise<RequestResults['startBatch']> {
    const state = this.session.snapshot()
    const missing = [...p.items, ...(p.refs ?? []).map((blob, i) => ({ blob, fileName: `reference ${i + 1}` }))].find(
      (item) => !state.blobs[item.blob],
    )
    if (missing)
      throw new StudioError(
        studioError(
          'blob.notFound',
          `The image for ${missing.fileName.slice(0, 80)} is not stored in this project.`,
          'Add the photos again.',
        ),
      )
    if (p.queue) await this.remote.check(p.queue)
    const masks = await this.regionMasks(p.items, p.region ?? 'whole')
    const batchId = this.clock.newId()
    const items: RequestResults['startBatch']['items'][number][] = []
    for (const [index, item] of p.items.entries()) {
      const fileName = item.fileName.replace(/[\\/]/g, '_').slice(0, 255)
      const nodeId = asNodeId(this.clock.newId())
      const now = this.session.snapshot()
      const meta = now.blobs[item.blob]
      if (!meta) throw new StudioError(studioError('blob.notFound', 'A photo of the batch vanished from the project.'))
      const at = this.clock.now()
      const imported: ProjectDiff = need(importImage(now, { id: nodeId, blob: meta, sourceName: fileName, at }))
      const labelled = need(
        setNodeLabel(applyDiff(now, imported), {
          nodeId,
          label: batchRootLabel(fileName, batchId, { workers: p.queue !== undefined }),
          at,
        }),
      )
      this.session.apply({ ok: true, value: mergeDiffs(imported, labelled) })
      const queued = await this.jobs.enqueue({
        parentId: nodeId,
        prompt: p.prompt,
        contextBlobs: [item.blob, ...(p.refs ?? [])],
        model: p.model,
        // On workers the seed is what `kontext batch` derives from the input, so both give one result key.
        seed: p.queue ? seedFor(item.blob, p.seed ?? null) : p.seed,
        steps: p.steps,
        guidance: p.guidance,
        // Stored and set as the node's region, as a painted region edit's mask is.
        ...(masks[index] ? { regionMask: masks[index] } : {}),
      })
      items.push({ nodeId, editNodeId: queued.nodeId, jobId: queued.jobId })
    }
    if (p.queue) this.remote.attach(batchId, p.queue)
    return { batchId, items }
  }

  /**
   * Each photo's mask for a region preset, made in the image worker (the host never decodes). A
   * photo the preset finds nothing in (“background” without transparency) refuses the whole batch
   * before anything is made, naming the photos, so the plan can be fixed and started again.
   */
  private async regionMasks(items: ValidParams<'startBatch'>['items'], region: RegionPreset): Promise<(Uint8Array | undefined)[]> {
    if (!isMaskPreset(region)) return items.map(() => undefined)
    const masks: (Uint8Array | undefined)[] = []
    const refused: string[] = []
    for (const item of items) {
      const bytes = this.session.readBlob(item.blob)
      if (!bytes)
        throw new StudioError(studioError('blob.notFound', 'A photo of the batch is not stored in this project.', 'Add it again.'))
      try {
        masks.push(await this.images.regionMask(bytes, region))
      } catch (e) {
        if (!(e instanceof StudioError) || e.code !== 'region.noTransparency') throw e
        refused.push(item.fileName.slice(0, 80))
      }
    }
    if (refused.length > 0)
      throw new StudioError(
        studioError(
          'region.noTransparency',
          `${refused.length} of ${items.length} photos have no transparent pixels, so “background only” finds no background in them: ${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', …' : ''}.`,
          'Remove them from the batch, use cut-outs with a transparent background, or choose another region.',
        ),
      )
    return masks
  }

  /** Cancels every queued or running job under the batch's photos (re-runs included). */
  async cancel(p: ValidParams<'cancelBatch'>): Promise<{ cancelled: number }> {
    const state = this.session.snapshot()
    const roots = new Set(batchItems(state, p.batchId).map((i) => i.rootId))
    const live = Object.values(state.jobs).filter((j) => {
      const node = state.nodes[j.nodeId]
      const live = node?.status === 'queued' || node?.status === 'running'
      return live && node.parentId !== null && roots.has(node.parentId)
    })
    // The keys are read before the jobs are cancelled here; the queue is cleaned up after.
    const removal = batchMode(state, p.batchId)?.workers ? this.remote.cancel(p.batchId) : null
    const cancelled = live.filter((j) => this.jobs.cancel(j.nodeId).cancelled).length
    await removal
    return { cancelled }
  }

  /** Paused: the studio's queue leaves the batch's queued jobs alone (the running one finishes). */
  async pause(p: ValidParams<'pauseBatch'>): Promise<{ paused: boolean }> {
    // On workers the queue is paused first: if Redis cannot be reached, nothing changes here.
    if (batchMode(this.session.snapshot(), p.batchId)?.workers) await this.remote.pause(p.batchId, p.paused, p.queue)
    this.session.apply(setBatchPaused(this.session.snapshot(), { batchId: p.batchId, paused: p.paused, at: this.clock.now() }))
    if (!p.paused) void this.jobs.kick()
    return { paused: p.paused }
  }

  /**
   * Times one real edit of the photo with the batch's settings, its region preset included (a
   * region edit runs on a crop at the model's size, not on the whole photo); the result is thrown away.
   */
  async calibrate(p: ValidParams<'calibrateBatch'>): Promise<RequestResults['calibrateBatch']> {
    const read = (hash: BlobHash) => {
      const bytes = this.session.readBlob(hash)
      if (!bytes) throw new StudioError(studioError('blob.notFound', 'A photo of the plan is not stored in this project.', 'Add it again.'))
      return bytes
    }
    const meta = this.session.snapshot().blobs[p.blob]
    const contexts = [read(p.blob), ...(p.refs ?? []).map(read)]
    const sampling = resolveSampling(this.session.snapshot().project.settings, p, this.clock)
    const region = p.region ?? 'whole'
    const mask = isMaskPreset(region) ? await this.images.regionMask(contexts[0] as Uint8Array, region) : null
    const { ms } = await this.engine.runTimed({
      ...sampling,
      prompt: p.prompt,
      contexts,
      width: meta?.width,
      height: meta?.height,
      ...(mask ? { mask: { png: mask } } : {}),
    })
    return { editMs: Math.round(ms), steps: sampling.steps }
  }

  /** A re-run of a workers batch's item goes to the same workers (while the studio knows the queue). */
  afterRerun(nodeId: NodeId): void {
    const state = this.session.snapshot()
    const parentId = state.nodes[nodeId]?.parentId
    const batch = parentId ? parseBatchLabel(state.nodes[parentId]?.label ?? null) : null
    if (batch?.workers) this.remote.reattach(batch.batchId)
  }

  dispose(): Promise<void> {
    return this.remote.dispose()
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

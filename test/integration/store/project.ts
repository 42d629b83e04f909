/** Builds a small real project through core actions for the feature tests. */
import { addFrame, importImage, queueGeneration, settleJob, startJob } from '../../../core/domain/actions'
import type { BlobHash, FrameId, JobId, NodeId } from '../../../core/ids'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'
import type { SqliteProjectStore } from '../../../main/store/sqliteProjectStore'
import { blobOf, bytesFor } from './helpers'

export class ProjectBuilder {
  private at = 1000
  constructor(readonly store: SqliteProjectStore) {}

  apply(result: Result<ProjectDiff>, bytes: Uint8Array[] = []): void {
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`)
    this.store.commit(result.value, new Map(bytes.map((b) => [blobOf(b).hash, b])))
  }

  get state(): ReturnType<SqliteProjectStore['load']> {
    return this.store.load()
  }

  importPhoto(id: string, seed: number, size = 5000): BlobHash {
    const bytes = bytesFor(seed, size)
    this.apply(importImage(this.state, { id: id as NodeId, blob: blobOf(bytes), sourceName: `${id}.png`, at: this.at++ }), [bytes])
    return blobOf(bytes).hash
  }

  /** A finished edit of `parent` with a new result image; returns the result's hash. */
  edit(id: string, parent: string, prompt: string, seed: number): BlobHash {
    const parentBlob = this.state.nodes[parent as NodeId]?.resultBlob as BlobHash
    const job = `${id}-job` as JobId
    const params = { model: 'kontext-tiny', seed, steps: 4, guidance: 2, width: 64, height: 64 }
    this.apply(
      queueGeneration(this.state, {
        nodeId: id as NodeId,
        jobId: job,
        parentId: parent as NodeId,
        prompt,
        contextBlobs: [parentBlob],
        params,
        at: this.at++,
      }),
    )
    this.apply(startJob(this.state, { jobId: job, at: this.at++ }))
    const out = bytesFor(seed, 3000)
    this.apply(settleJob(this.state, { jobId: job, outcome: { kind: 'done', result: blobOf(out) }, at: this.at++ }), [out])
    return blobOf(out).hash
  }

  frame(id: string, node: string): void {
    this.apply(addFrame(this.state, { frameId: id as FrameId, nodeId: node as NodeId, title: id, at: this.at++ }))
  }

  now(): number {
    return this.at++
  }
}

export const diffOf = (r: Result<ProjectDiff>): ProjectDiff => {
  if (!r.ok) throw new Error(r.error.message)
  return r.value
}
export { applyDiff }

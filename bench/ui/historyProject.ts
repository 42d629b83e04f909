/** Generates a project with N history nodes (chains with branches) for the history benchmark. */
import sharp from 'sharp'
import { importImage, queueGeneration, settleJob, startJob } from '../../core/domain/actions'
import { asJobId, asNodeId, type NodeId } from '../../core/ids'
import type { BlobMeta } from '../../core/domain/model'
import { applyDiff, type ProjectDiff } from '../../core/domain/projectDiff'
import type { Result } from '../../core/result'
import { blobHashOf } from '../../engine/hashing'
import { openProjectStore } from '../../main/store/sqliteProjectStore'

export async function writeHistoryProject(path: string, nodeCount: number): Promise<void> {
  const opened = openProjectStore(path, { create: true })
  if (!opened.ok) throw new Error(opened.error.message)
  const store = opened.value
  let state = store.load()
  const commit = (r: Result<ProjectDiff>, bytes?: Map<string, Uint8Array>): void => {
    if (!r.ok) throw new Error(r.error.message)
    store.commit(r.value, bytes as never)
    state = applyDiff(state, r.value)
  }
  const palette: { meta: BlobMeta; png: Uint8Array }[] = []
  for (let i = 0; i < 16; i++) {
    const png = new Uint8Array(
      await sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: (i * 53) % 256, g: (i * 97) % 256, b: (i * 31) % 256 } },
      })
        .png()
        .toBuffer(),
    )
    palette.push({ meta: { hash: blobHashOf(png), width: 64, height: 64, format: 'png', byteSize: png.byteLength, hasAlpha: false }, png })
  }
  const params = { model: 'kontext-tiny', seed: 1, steps: 8, guidance: 1, width: 64, height: 64 }
  let parent: NodeId | null = null
  for (let i = 0; i < nodeCount; i++) {
    const blob = palette[i % palette.length] as (typeof palette)[number]
    const id = asNodeId(`n${i}`)
    if (parent === null || i % 50 === 0) {
      commit(importImage(state, { id, blob: blob.meta, sourceName: `photo${i}.png`, at: i }), new Map([[blob.meta.hash, blob.png]]))
    } else {
      const jobId = asJobId(`j${i}`)
      commit(
        queueGeneration(state, {
          nodeId: id,
          jobId,
          parentId: parent,
          prompt: `edit number ${i}`,
          params,
          contextBlobs: [state.nodes[parent]?.resultBlob ?? blob.meta.hash],
          at: i,
        }),
      )
      commit(startJob(state, { jobId, at: i }))
      commit(settleJob(state, { jobId, outcome: { kind: 'done', result: blob.meta }, at: i }), new Map([[blob.meta.hash, blob.png]]))
    }
    // Every 7th node branches from its grandparent instead of extending the chain.
    parent = i % 7 === 0 && state.nodes[id]?.parentId ? (state.nodes[id]?.parentId ?? id) : id
  }
  store.close()
}

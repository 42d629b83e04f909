/**
 * Generates a big project for the store benchmark: `nodes` history nodes in `frames` storyboard
 * chains (each frame's lineage is a path of nodes; every fifth node branches off), every node with
 * its own result image of `blobBytes` random bytes. Written in batches, one transaction each.
 */
import { randomBytes } from 'node:crypto'
import type { BlobHash, FrameId, JobId, NodeId } from '../../core/ids'
import type { BlobMeta, Frame, HistoryNode, Job } from '../../core/domain/model'
import { baseNode } from '../../core/domain/nodeFactory'
import { sha256Hex } from '../../engine/hashing'
import type { SqliteProjectStore } from '../../main/store/sqliteProjectStore'

export interface ProjectShape {
  readonly nodes: number
  readonly frames: number
  readonly blobBytes: number
}

export function blobFor(bytes: Uint8Array): BlobMeta {
  return { hash: sha256Hex(bytes) as BlobHash, width: 1024, height: 1024, format: 'png', byteSize: bytes.byteLength, hasAlpha: false }
}

const PROMPTS = [
  'put the bottle on a marble table',
  'soft morning light',
  'the same character on a beach',
  'make it night',
  'add rain',
  'close-up of the label',
]

export function generateProject(store: SqliteProjectStore, shape: ProjectShape): { frameIds: FrameId[] } {
  const perFrame = Math.max(1, Math.floor(shape.nodes / shape.frames))
  const frameIds: FrameId[] = []
  const batch = {
    nodes: [] as HistoryNode[],
    blobs: [] as BlobMeta[],
    bytes: new Map<BlobHash, Uint8Array>(),
    jobs: [] as Job[],
    frames: [] as Frame[],
  }
  const flush = (): void => {
    store.commit({ putBlobs: batch.blobs, putNodes: batch.nodes, putJobs: batch.jobs, putFrames: batch.frames }, batch.bytes)
    batch.nodes = []
    batch.blobs = []
    batch.jobs = []
    batch.frames = []
    batch.bytes = new Map()
  }
  let made = 0
  for (let f = 0; f < shape.frames; f++) {
    let head: NodeId | null = null
    let trunk: NodeId | null = null
    for (let i = 0; i < perFrame && made < shape.nodes; i++, made++) {
      const bytes = randomBytes(shape.blobBytes)
      const blob = blobFor(bytes)
      const id = `f${f}n${i}` as NodeId
      // Every fifth node is a side branch off the trunk, so lineages are shorter than frames.
      const parent: NodeId | null = i % 5 === 4 ? trunk : head
      const at = 1_700_000_000_000 + made * 1000
      const node: HistoryNode = {
        ...baseNode(id, parent, parent === null ? 'import' : 'edit', at),
        prompt: parent === null ? null : `${PROMPTS[made % PROMPTS.length]} #${made}`,
        params: parent === null ? null : { model: 'kontext-tiny', seed: made, steps: 28, guidance: 2.5, width: 1024, height: 1024 },
        contextBlobs: [],
        resultBlob: blob.hash,
        status: 'done',
        timings: { queuedAt: at, startedAt: at + 10, finishedAt: at + 900 },
      }
      batch.nodes.push(node)
      batch.blobs.push(blob)
      batch.bytes.set(blob.hash, bytes)
      if (parent !== null) {
        batch.jobs.push({
          id: `${id}j` as JobId,
          nodeId: id,
          order: made,
          createdAt: at,
        })
      }
      if (i % 5 !== 4) {
        trunk = head
        head = id
      }
      if (batch.nodes.length >= 25) flush()
    }
    if (head !== null) {
      const frameId = `frame${f}` as FrameId
      frameIds.push(frameId)
      batch.frames.push({
        id: frameId,
        order: f + 1,
        nodeId: head,
        title: `Shot ${f + 1}`,
        notes: '',
        durationMs: 2000,
        candidateNodeId: null,
      })
    }
  }
  flush()
  return { frameIds }
}

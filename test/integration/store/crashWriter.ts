/**
 * Child process of the crash test: opens (or creates) a project and performs a burst of real
 * actions through core — imports with blobs, queued and started jobs, settled results with new
 * blobs, labels — printing one JSON line per action *after* commit() returned. The parent kills
 * it with SIGKILL at a random moment and checks that every printed action survived.
 * Usage: node --import tsx crashWriter.ts <path> <driver> <round>
 */
import { writeSync } from 'node:fs'
import { importImage, queueGeneration, setNodeLabel, settleJob, startJob } from '../../../core/domain/actions'
import type { JobId, NodeId } from '../../../core/ids'
import { applyDiff, type ProjectDiff } from '../../../core/domain/projectDiff'
import type { Result } from '../../../core/result'
import type { DriverName } from '../../../main/store/driver'
import { openProjectStore } from '../../../main/store/sqliteProjectStore'
import { blobOf, bytesFor } from './helpers'

const [path, driver, roundText] = process.argv.slice(2)
const round = Number(roundText)
const report = (fact: object): void => {
  writeSync(1, `${JSON.stringify(fact)}\n`)
}

const opened = openProjectStore(path as string, { create: true, driver: driver as DriverName })
if (!opened.ok) {
  report({ op: 'openFailed', code: opened.error.code, message: opened.error.message })
  process.exit(3)
}
const store = opened.value
let state = store.load()
report({ op: 'ready', nodes: Object.keys(state.nodes).length })

const apply = (r: Result<ProjectDiff>, bytes?: Uint8Array): void => {
  if (!r.ok) throw new Error(r.error.message)
  const blob = bytes ? blobOf(bytes) : undefined
  store.commit(r.value, blob ? new Map([[blob.hash, bytes as Uint8Array]]) : undefined)
  state = applyDiff(state, r.value)
}
const params = { model: 'kontext-tiny', seed: 1, steps: 4, guidance: 1, width: 64, height: 64 }

for (let i = 0; ; i++) {
  const seed = round * 100_000 + i
  // Sizes from 1 KB to ~600 KB: small commits and ones spanning many WAL frames.
  const size = 1024 + ((seed * 7919) % 600_000)
  const id = `r${round}i${i}`
  const bytes = bytesFor(seed, size)
  apply(importImage(state, { id: id as NodeId, blob: blobOf(bytes), sourceName: `${id}.png`, at: seed }), bytes)
  report({ op: 'import', node: id, seed, size, hash: blobOf(bytes).hash })

  const gen = `${id}g` as NodeId
  const job = `${id}j` as JobId
  apply(
    queueGeneration(state, {
      nodeId: gen,
      jobId: job,
      parentId: id as NodeId,
      prompt: `edit ${id}`,
      contextBlobs: [blobOf(bytes).hash],
      params,
      at: seed,
    }),
  )
  report({ op: 'queue', node: gen, job })
  apply(startJob(state, { jobId: job, at: seed + 1 }))
  report({ op: 'start', node: gen, job })
  if (i % 2 === 0) {
    const out = bytesFor(seed + 7, 4096 + (seed % 50_000))
    apply(settleJob(state, { jobId: job, outcome: { kind: 'done', result: blobOf(out) }, at: seed + 2 }), out)
    report({ op: 'settle', node: gen, job, seed: seed + 7, size: out.byteLength, hash: blobOf(out).hash })
  }
  apply(setNodeLabel(state, { nodeId: id as NodeId, label: `label ${i}`, at: seed + 3 }))
  report({ op: 'label', node: id, label: `label ${i}` })
}

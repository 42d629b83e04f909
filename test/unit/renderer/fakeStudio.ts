/**
 * A StudioApi double for store tests: every request is a `vi.fn` that fails loudly unless the test
 * gives it an answer, and `emit` plays host events into whatever the store subscribed.
 */
import { vi, type Mock } from 'vitest'
import type { RequestName, StudioApi, StudioEvent } from '../../../core/contract/api'
import { requestNames } from '../../../core/contract/channels'
import type { BlobHash, NodeId } from '../../../core/ids'
import { createEmptyProject, type BlobMeta, type HistoryNode, type ProjectState } from '../../../core/domain/model'
import { baseNode } from '../../../core/domain/nodeFactory'

export type FakeStudio = StudioApi & {
  readonly calls: { [K in RequestName]: Mock }
  emit(event: StudioEvent): void
}

export function createFakeStudio(project: ProjectState = createEmptyProject('p1', 'Test', 0)): FakeStudio {
  const listeners = new Set<(e: StudioEvent) => void>()
  const calls = {} as { [K in RequestName]: Mock }
  for (const name of requestNames) calls[name] = vi.fn(async () => Promise.reject(new Error(`${name} was not expected in this test`)))
  calls.getProject.mockImplementation(async () => project)
  const api = {
    ...calls,
    calls,
    onEvent(listener: (e: StudioEvent) => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    blobUrl: (hash: BlobHash) => `/blob/${hash}`,
    thumbUrl: (hash: BlobHash) => `/thumb/${hash}`,
    emit: (event: StudioEvent) => listeners.forEach((l) => l(event)),
  }
  return api as unknown as FakeStudio
}

/** A 64-hex-digit hash made from a short tag, readable in failures. */
export const hashOf = (tag: string): BlobHash => tag.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a') as BlobHash

/** A finished node with an image, created at `at` (ms), as the host would send it. */
export function doneNode(id: string, parentId: string | null, at: number, patch: Partial<HistoryNode> = {}): HistoryNode {
  const kind = parentId === null ? 'import' : 'edit'
  return { ...baseNode(id as NodeId, parentId as NodeId | null, kind, at), resultBlob: hashOf(id), ...patch }
}

export function projectWith(nodes: readonly HistoryNode[]): ProjectState {
  const empty = createEmptyProject('p1', 'Test', 0)
  const blobs: Record<BlobHash, BlobMeta> = Object.fromEntries(
    nodes.flatMap((n) =>
      n.resultBlob
        ? [[n.resultBlob, { hash: n.resultBlob, width: 64, height: 48, format: 'png' as const, byteSize: 100, hasAlpha: false }]]
        : [],
    ),
  )
  return { ...empty, nodes: Object.fromEntries(nodes.map((n) => [n.id, n])), blobs }
}

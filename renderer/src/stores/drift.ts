/**
 * Drift per node (1 − SSIM against its parent and its root, outside the edited region), asked of
 * the host once per finished node: a node's images never change, so neither does its drift.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { RequestResults } from '../../../core/contract/api'
import type { NodeId } from '../../../core/ids'
import { useProjectStore } from './project'

export type Drift = RequestResults['measureDrift']

export const useDriftStore = defineStore('drift', () => {
  const project = useProjectStore()
  const byNode = ref<Record<NodeId, Drift | 'failed'>>({})
  const asked = new Set<NodeId>()

  /** Starts measuring once; the badge shows the value when it arrives. */
  function request(nodeId: NodeId): void {
    const node = project.state?.nodes[nodeId]
    if (!node?.resultBlob || asked.has(nodeId) || !project.api) return
    asked.add(nodeId)
    project.api
      .measureDrift({ nodeId })
      .then((d) => (byNode.value = { ...byNode.value, [nodeId]: d }))
      .catch(() => (byNode.value = { ...byNode.value, [nodeId]: 'failed' }))
  }

  return { byNode, request }
})

/** "Δ 0.12": two decimals are enough to see a chain drifting. */
export function formatDrift(value: number | null): string {
  return value === null ? 'Δ –' : `Δ ${value.toFixed(2)}`
}

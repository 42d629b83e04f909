/**
 * Cancelling a node's job asks first when other queued edits wait on its result: cancel them too,
 * or keep them queued (they run once this node is retried). Without waiting children it cancels
 * at once, as before.
 */
import { waitingDescendants } from '../../../core/domain/queue'
import type { NodeId } from '../../../core/ids'
import { useProjectStore } from '../stores/project'
import { useToastStore } from '../stores/toasts'

export function cancelQuestion(waiting: number): string {
  const edits = waiting === 1 ? '1 queued edit waits' : `${waiting} queued edits wait`
  return `${edits} on this result. Cancel ${waiting === 1 ? 'it' : 'them'} too?\n\nOK: cancel ${waiting === 1 ? 'it' : 'them'} too. Cancel: keep ${waiting === 1 ? 'it' : 'them'} queued; ${waiting === 1 ? 'it runs' : 'they run'} when you retry this one.`
}

export function useCancelJob(): (nodeId: NodeId) => Promise<void> {
  const project = useProjectStore()
  const toasts = useToastStore()
  return (nodeId) =>
    toasts.attempt(async () => {
      const state = project.state
      const waiting = state ? waitingDescendants(state, nodeId).length : 0
      const withChildren = waiting > 0 && window.confirm(cancelQuestion(waiting))
      await project.requireApi().cancelJob({ nodeId, withChildren })
    })
}

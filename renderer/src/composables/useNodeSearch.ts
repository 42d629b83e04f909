/**
 * Search the history by instruction or name through the host (the project file's full-text
 * index), a moment after typing stops. `found` is null while the field is empty (show everything).
 */
import { ref, shallowRef, watch } from 'vue'
import type { NodeId } from '../../../core/ids'
import { useProjectStore } from '../stores/project'
import { useToastStore } from '../stores/toasts'

export function useNodeSearch() {
  const project = useProjectStore()
  const toasts = useToastStore()
  const query = ref('')
  const found = shallowRef<ReadonlySet<NodeId> | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined
  watch(query, (text) => {
    clearTimeout(timer)
    if (!text.trim()) {
      found.value = null
      return
    }
    timer = setTimeout(async () => {
      try {
        const r = await project.requireApi().searchNodes({ text: text.trim().slice(0, 200), limit: 500 })
        // A later keystroke owns the result.
        if (query.value === text) found.value = new Set(r.nodeIds)
      } catch (e) {
        toasts.error(e)
      }
    }, 200)
  })
  return { query, found }
}

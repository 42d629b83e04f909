/**
 * Files dropped from the operating system (or pasted) become import nodes, one request per file,
 * so one bad file is refused on its own while the others import; the refusals of one drop are
 * told together, in one message naming every file.
 */
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { useProjectStore } from '../stores/project'
import { useToastStore, type Refusal } from '../stores/toasts'

export function useFileDrop() {
  const project = useProjectStore()
  const toasts = useToastStore()
  const dragging = ref(false)
  let depth = 0

  async function importFiles(files: readonly File[]): Promise<void> {
    const refusals: Refusal[] = []
    for (const file of files) {
      const fileName = file.name || 'pasted image.png'
      try {
        const bytes = new Uint8Array(await file.arrayBuffer())
        const imported = await project.requireApi().importImage({ fileName, bytes })
        if (imported.settings) project.restoreOffer = { fileName, settings: imported.settings }
      } catch (error) {
        refusals.push({ fileName, error })
      }
    }
    toasts.refused(refusals)
  }

  const hasFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files')
  const onEnter = (e: DragEvent): void => {
    if (!hasFiles(e)) return
    depth++
    dragging.value = true
  }
  const onLeave = (): void => {
    depth = Math.max(0, depth - 1)
    if (depth === 0) dragging.value = false
  }
  const onOver = (e: DragEvent): void => {
    if (hasFiles(e)) e.preventDefault()
  }
  const onDrop = (e: DragEvent): void => {
    // The canvas claims drops (and pastes) while a node is shown: they become layers, not nodes.
    const claimed = e.defaultPrevented
    e.preventDefault()
    depth = 0
    dragging.value = false
    if (claimed) return
    void importFiles(Array.from(e.dataTransfer?.files ?? []))
  }
  const onPaste = (e: ClipboardEvent): void => {
    const target = e.target as HTMLElement | null
    if (e.defaultPrevented || (target && ['INPUT', 'TEXTAREA'].includes(target.tagName))) return
    const files = Array.from(e.clipboardData?.files ?? [])
    if (files.length > 0) {
      e.preventDefault()
      void importFiles(files)
    }
  }

  onMounted(() => {
    window.addEventListener('dragenter', onEnter)
    window.addEventListener('dragleave', onLeave)
    window.addEventListener('dragover', onOver)
    window.addEventListener('drop', onDrop)
    window.addEventListener('paste', onPaste)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('dragenter', onEnter)
    window.removeEventListener('dragleave', onLeave)
    window.removeEventListener('dragover', onOver)
    window.removeEventListener('drop', onDrop)
    window.removeEventListener('paste', onPaste)
  })
  return { dragging, importFiles }
}

/**
 * The current node's layer document, its selection and its layer-edit undo stack. The document is
 * loaded from the project when the current node changes and saved with `saveLayers` after every
 * committed change; Konva is only a view of it (canvas/layerNodes.ts). Selection, tool and viewport
 * live here too but are never undo steps.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { createId, asLayerId, type BlobHash, type LayerId, type NodeId } from '../../../core/ids'
import {
  activeMask,
  addLayer,
  createDocument,
  createImageLayer,
  createPaintLayer,
  createTextLayer,
  duplicateLayer,
  findLayer,
  moveLayer,
  removeLayer,
  updateLayer,
  type LayerPatch,
} from '../../../core/domain/layers'
import type { HistoryNode, Layer, LayerDocument } from '../../../core/domain/model'
import { EMPTY_STACK, canRedo, canUndo, diffDocuments, pushStep, redoStep, undoStep, type UndoStack } from '../../../core/domain/undoStack'
import { generationInput, type GenerationInput } from '../layers/composite'
import { useProjectStore } from './project'
import { useToastStore, type Refusal } from './toasts'

export type Tool = 'move' | 'brush' | 'eraser' | 'lasso'

/** Limits of the saveLayers request (core/contract/api.ts). */
export const MAX_LAYERS = 200
export const MAX_NAME = 200

const newLayerId = (): LayerId => asLayerId(createId((n) => crypto.getRandomValues(new Uint8Array(n))))

export const useLayersStore = defineStore('layers', () => {
  const project = useProjectStore()
  const toasts = useToastStore()
  const doc = shallowRef<LayerDocument | null>(null)
  const selectedId = ref<LayerId | null>(null)
  const tool = ref<Tool>('move')
  const brushSize = ref(24)
  const brushColor = ref('#ffffff')
  const stack = shallowRef<UndoStack>(EMPTY_STACK)
  // Each node keeps its own undo stack for the session, so switching nodes and back keeps it.
  const stacks = new Map<NodeId, UndoStack>()
  // The last document this session made per node: a save may still be on its way to the mirror.
  const docs = new Map<NodeId, LayerDocument>()
  let saving: Promise<void> = Promise.resolve()
  /** Work that must land in the document before a generation reads it (a stroke being encoded). */
  let pending: Promise<unknown> = Promise.resolve()
  let inFlight = 0
  function track<T>(work: Promise<T>): Promise<T> {
    inFlight++
    const settled = work.catch(() => undefined).finally(() => inFlight--)
    pending = Promise.all([pending, settled])
    return work
  }
  /** Runs now, or once in-flight strokes have become undo steps (so Ctrl+Z undoes the stroke). */
  const afterPending = (f: () => void): void => {
    if (inFlight === 0) f()
    else void pending.then(f)
  }
  /** The last composite sent to the engine (shown to tests and kept for a retry). */
  const lastComposite = shallowRef<Uint8Array | null>(null)

  /** The node whose result is the base image; layers exist only on finished nodes. */
  const baseNode = computed(() => (project.current?.resultBlob ? project.current : null))
  const selected = computed<Layer | null>(() => (doc.value && selectedId.value ? findLayer(doc.value, selectedId.value) : null))
  const undoable = computed(() => canUndo(stack.value))
  const redoable = computed(() => canRedo(stack.value))

  function load(): void {
    const node = baseNode.value
    const meta = node?.resultBlob ? project.state?.blobs[node.resultBlob] : undefined
    if (!node || !meta) {
      doc.value = null
      selectedId.value = null
      return
    }
    if (doc.value?.nodeId === node.id) return
    doc.value = docs.get(node.id) ?? project.state?.layers[node.id] ?? createDocument(node.id, meta.width, meta.height)
    stack.value = stacks.get(node.id) ?? EMPTY_STACK
    selectedId.value = null
  }
  watch(() => [baseNode.value?.id, baseNode.value?.resultBlob], load, { immediate: true })

  function save(next: LayerDocument): void {
    docs.set(next.nodeId, next)
    const api = project.api
    if (!api) return
    // Saves run one after another so the host always ends with the latest document.
    saving = saving.then(() => api.saveLayers({ document: next })).catch((e: unknown) => toasts.error(e))
  }

  function setStack(s: UndoStack): void {
    stack.value = s
    if (doc.value) stacks.set(doc.value.nodeId, s)
  }

  /** Makes `next` the document as one undo step, and saves it. */
  function commit(next: LayerDocument): void {
    const prev = doc.value
    if (!prev || prev.nodeId !== next.nodeId) return
    const diff = diffDocuments(prev, next)
    if (!diff) return
    setStack(pushStep(stack.value, diff))
    doc.value = next
    save(next)
  }

  const undo = (): void => afterPending(undoNow)
  const redo = (): void => afterPending(redoNow)

  function undoNow(): void {
    const r = doc.value ? undoStep(stack.value, doc.value) : null
    if (!r) return
    setStack(r.stack)
    doc.value = r.doc
    if (selectedId.value && !findLayer(r.doc, selectedId.value)) selectedId.value = null
    save(r.doc)
  }

  function redoNow(): void {
    const r = doc.value ? redoStep(stack.value, doc.value) : null
    if (!r) return
    setStack(r.stack)
    doc.value = r.doc
    if (selectedId.value && !findLayer(r.doc, selectedId.value)) selectedId.value = null
    save(r.doc)
  }

  /** The host keeps at most this many layers per node (core/contract/api.ts); say so instead of failing to save. */
  function roomForLayer(): boolean {
    if ((doc.value?.layers.length ?? 0) < MAX_LAYERS) return true
    toasts.info(`A node holds at most ${MAX_LAYERS} layers. Generate from this composition to start a fresh stack.`)
    return false
  }

  const edit = (f: (d: LayerDocument) => LayerDocument): void => {
    if (doc.value) commit(f(doc.value))
  }

  function select(id: LayerId | null): void {
    selectedId.value = id
  }

  /** Stores each file as a blob and adds it as an image layer centred on `at`; a bad file is refused alone. */
  async function addImageFiles(files: readonly File[], dropAt: { x: number; y: number }): Promise<void> {
    const d = doc.value
    // A drop beside the picture still lands on it, so the new layer is never out of sight.
    const at = d ? { x: Math.min(d.width, Math.max(0, dropAt.x)), y: Math.min(d.height, Math.max(0, dropAt.y)) } : dropAt
    const refusals: Refusal[] = []
    for (const file of files) {
      const fileName = file.name || 'pasted image.png'
      try {
        const bytes = new Uint8Array(await file.arrayBuffer())
        const meta = await project.requireApi().storeImage({ fileName, bytes })
        if (!roomForLayer()) break
        const layer = createImageLayer(
          newLayerId(),
          (file.name || 'Pasted image').slice(0, MAX_NAME),
          meta.hash,
          meta.width,
          meta.height,
          at,
          d ?? undefined,
        )
        edit((d) => addLayer(d, layer))
        selectedId.value = layer.id
        tool.value = 'move'
      } catch (error) {
        refusals.push({ fileName, error })
      }
    }
    // One message for the whole drop, naming every refused file (see toasts.refused).
    toasts.refused(refusals, 'added')
  }

  function addPaintLayer(isMask: boolean): void {
    if (!roomForLayer()) return
    const existing = doc.value?.layers.filter((l) => l.kind === 'paint' && l.isMask === isMask).length ?? 0
    const layer = createPaintLayer(newLayerId(), `${isMask ? 'Mask' : 'Paint'} ${existing + 1}`, isMask)
    edit((d) => addLayer(d, layer))
    selectedId.value = layer.id
    tool.value = 'brush'
  }

  function addTextLayer(text = 'Text'): void {
    const d = doc.value
    if (!d || !roomForLayer()) return
    const layer = createTextLayer(
      newLayerId(),
      text,
      text,
      { x: Math.round(d.width * 0.1), y: Math.round(d.height * 0.1) },
      Math.max(8, Math.round(d.height / 12)),
    )
    edit((x) => addLayer(x, layer))
    selectedId.value = layer.id
    tool.value = 'move'
  }

  /** A finished brush or eraser stroke: the paint layer's new pixels, stored as a blob. */
  async function commitStroke(id: LayerId, png: Uint8Array): Promise<BlobHash | null> {
    try {
      const meta = await project.requireApi().storeImage({ fileName: 'strokes.png', bytes: png })
      edit((d) => updateLayer(d, id, { blob: meta.hash }))
      return meta.hash
    } catch (e) {
      toasts.error(e)
      return null
    }
  }

  const update = (id: LayerId, patch: LayerPatch): void => edit((d) => updateLayer(d, id, patch))
  const remove = (id: LayerId): void => {
    edit((d) => removeLayer(d, id))
    if (selectedId.value === id) selectedId.value = null
  }
  const duplicate = (id: LayerId): void => {
    const copy = newLayerId()
    edit((d) => duplicateLayer(d, id, copy))
    selectedId.value = copy
  }
  const reorder = (id: LayerId, toIndex: number): void => edit((d) => moveLayer(d, id, toIndex))

  /** The painted region the next edit of the shown node is confined to, if any. */
  const activeMaskLayer = computed(() => (doc.value ? activeMask(doc.value) : null))
  /**
   * A mask belongs to one edit: once that edit is queued (or the designer clicks Clear) it is
   * hidden, so the next instruction edits the whole picture unless they chose to keep it. Hidden,
   * not deleted: showing the layer again brings the same region back.
   */
  function clearMask(): void {
    const mask = activeMaskLayer.value
    if (mask) update(mask.id, { visible: false })
  }

  /** What to send with "Generate" from `node`: its image, or its flattened composition and mask. */
  async function generationInputFor(node: HistoryNode | null): Promise<GenerationInput> {
    const api = project.api
    if (!node?.resultBlob || !api) return { contextBlobs: [] }
    // Read the document only after pending strokes and saves have landed in it.
    await pending
    await saving
    const d = doc.value?.nodeId === node.id ? doc.value : (project.state?.layers[node.id] ?? null)
    const input = await generationInput(d, node.resultBlob, (h) => api.blobUrl(h))
    lastComposite.value = input.contextUploads?.[0] ?? null
    return input
  }

  return {
    activeMaskLayer,
    clearMask,
    lastComposite,
    generationInputFor,
    track,
    doc,
    selectedId,
    selected,
    tool,
    brushSize,
    brushColor,
    baseNode,
    undoable,
    redoable,
    select,
    commit,
    undo,
    redo,
    addImageFiles,
    addPaintLayer,
    addTextLayer,
    commitStroke,
    update,
    remove,
    duplicate,
    reorder,
  }
})

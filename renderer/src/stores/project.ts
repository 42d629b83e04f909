/**
 * The renderer's mirror of the project: the host's state plus every `projectChanged` diff,
 * applied with the same pure function the host used — so both always agree.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { ProjectAccess, StudioApi, StudioEvent } from '../../../core/contract/api'
import type { GenerationSettings } from '../../../core/domain/generationParameters'
import type { EngineDescription, EngineState } from '../../../core/domain/engineTypes'
import { newestNode } from '../../../core/domain/historyTree'
import type { NodeId } from '../../../core/ids'
import type { HistoryNode, ProjectState } from '../../../core/domain/model'
import { applyDiff } from '../../../core/domain/projectDiff'
import { useToastStore } from './toasts'

export interface JobProgressView {
  readonly step: number
  readonly totalSteps: number
  readonly previewUrl: string | null
}

export const useProjectStore = defineStore('project', () => {
  const api = shallowRef<StudioApi | null>(null)
  const state = shallowRef<ProjectState | null>(null)
  const currentId = ref<NodeId | null>(null)
  /**
   * Whether the designer chose the current node (a click, a key) rather than the studio showing a
   * generation it just queued. Only a chosen pending node is edited as a chain behind it.
   */
  const pickedByUser = ref(true)
  const engine = shallowRef<EngineDescription | null>(null)
  const engineState = ref<EngineState>('starting')
  const engineReason = ref<string | null>(null)
  /** The running jobs' steps and previews, by the node each fills (its status is the job's state). */
  const progress = ref<Record<NodeId, JobProgressView>>({})
  /** Set when the host opened the project read-only (a damaged or inconsistent file). */
  const access = shallowRef<ProjectAccess | null>(null)
  const toasts = useToastStore()
  /** The takes of the last instruction queued with a Variants count above one. */
  const variants = shallowRef<{ readonly prompt: string; readonly nodeIds: readonly NodeId[] } | null>(null)
  /** A dropped picture that says how it was made: the prompt bar offers to reuse its settings. */
  const restoreOffer = shallowRef<{ readonly fileName: string; readonly settings: GenerationSettings } | null>(null)

  const current = computed<HistoryNode | null>(() => (currentId.value && state.value?.nodes[currentId.value]) || null)

  function onEvent(event: StudioEvent): void {
    if (event.kind === 'projectChanged' && state.value) {
      const before = state.value.nodes
      state.value = applyDiff(state.value, event.diff)
      for (const node of event.diff.putNodes ?? []) settleJobView(node, before[node.id])
      // Only nodes new to the mirror count: a star, a rename, a restore or a queue move re-sends a
      // node the designer already has, and must not pull the canvas away from what they look at.
      const created = (event.diff.putNodes ?? []).filter((n) => !n.deletedAt && !before[n.id])
      // A new import or generation becomes the current node, as a designer expects.
      const newest = created.filter((n) => n.status === 'queued' || n.kind === 'import').pop()
      if (newest) {
        currentId.value = newest.id
        // Shown, not chosen: Generate again makes another take of the same parent, not a chain.
        pickedByUser.value = newest.kind === 'import'
      }
      if (currentId.value && state.value.nodes[currentId.value]?.deletedAt) currentId.value = newestNode(state.value.nodes)?.id ?? null
      // The first finished job is when the engine settles on an execution provider (and each
      // component's placement): show which.
      const unsettled = engine.value && (engine.value.activeProvider === null || engine.value.placement?.length === 0)
      if (unsettled && (event.diff.putNodes ?? []).some((n) => n.status === 'done' && n.kind !== 'import')) void refreshEngine()
    } else if (event.kind === 'jobProgress') {
      // A step that arrives after its job finished would leave a preview nobody lets go.
      const known = state.value?.nodes[event.nodeId]
      if (known && known.status !== 'running' && known.status !== 'queued') return
      // Steps without a preview (the engine draws a few a second at most) keep the last one shown.
      const old = progress.value[event.nodeId]?.previewUrl ?? null
      let previewUrl = old
      if (event.preview) {
        if (old) URL.revokeObjectURL(old)
        previewUrl = URL.createObjectURL(new Blob([event.preview as Uint8Array<ArrayBuffer>], { type: 'image/png' }))
      }
      progress.value = { ...progress.value, [event.nodeId]: { step: event.step, totalSteps: event.totalSteps, previewUrl } }
    } else if (event.kind === 'engineState') {
      engineState.value = event.state
      engineReason.value = event.reason
      if (event.state === 'ready') void refreshEngine()
      // The engine or the host connection went away: diffs sent meanwhile are lost to this mirror.
      if (event.state === 'restarting') void resync()
    }
  }

  /**
   * A job that stopped running: its step preview is let go (a long session runs hundreds of jobs),
   * and a failure is told to the designer with the engine's reason and hint — the history's badge
   * alone is easy to miss.
   */
  function settleJobView(node: HistoryNode, was: HistoryNode | undefined): void {
    if (node.status !== 'running' && node.status !== 'queued') dropProgress(node.id)
    // Only a job that was live here: a node re-sent for a star or a rename is not a new failure.
    if (node.status === 'failed' && (was?.status === 'queued' || was?.status === 'running')) {
      const prompt = node.prompt
      const reason = node.error ?? { code: 'job.failed', message: 'The engine gave no reason.' }
      toasts.error({ ...reason, message: `${prompt ? `“${prompt}” failed: ` : 'A generation failed: '}${reason.message}` })
    }
  }

  function dropProgress(nodeId: NodeId): void {
    if (!progress.value[nodeId]) return
    const { [nodeId]: gone, ...rest } = progress.value
    if (gone?.previewUrl) URL.revokeObjectURL(gone.previewUrl)
    progress.value = rest
  }

  /** True while the host cannot be reached; the status bar says so. */
  const hostLost = ref(false)
  let resyncing = false
  /**
   * Reloads the whole project once the host answers again, so the mirror catches up with whatever
   * happened while it could not hear the host (a job that finished, a change from another window).
   * Retries with a growing pause; each try also makes the transport reconnect.
   */
  async function resync(): Promise<void> {
    if (resyncing || !api.value) return
    resyncing = true
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const fresh = await api.value.getProject({})
          state.value = fresh
          // Jobs that stopped while the mirror could not hear (a restarted host interrupts them).
          for (const nodeId of Object.keys(progress.value) as NodeId[]) {
            const node = fresh.nodes[nodeId]
            if (!node || (node.status !== 'running' && node.status !== 'queued')) dropProgress(nodeId)
          }
          const kept = currentId.value ? fresh.nodes[currentId.value] : undefined
          if (!kept || kept.deletedAt !== null) currentId.value = newestNode(fresh.nodes)?.id ?? null
          hostLost.value = false
          void refreshEngine()
          return
        } catch {
          hostLost.value = true
          await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)))
        }
      }
    } finally {
      resyncing = false
    }
  }

  async function refreshEngine(): Promise<void> {
    if (!api.value) return
    try {
      engine.value = await api.value.describeEngine({})
      // A reason belongs to the state it came with (ready has one only after a step down the ladder).
      if (engine.value.state !== engineState.value) engineReason.value = null
      engineState.value = engine.value.state
    } catch {
      // The status bar shows the engine as unavailable; requests that need it report their own errors.
      engineState.value = 'crashed'
    }
  }

  async function connect(studio: StudioApi): Promise<void> {
    api.value = studio
    studio.onEvent(onEvent)
    const { access: opened, ...fresh } = await studio.getProject({})
    state.value = fresh
    currentId.value = newestNode(state.value.nodes)?.id ?? null
    access.value = opened ?? null
    // Said once, and it stays until dismissed: the status bar keeps saying "read-only".
    if (opened?.readOnly) {
      const found =
        opened.problems.length > 0
          ? ` It is inconsistent: ${opened.problems.slice(0, 5).join('; ')}${opened.problems.length > 5 ? '; …' : ''}.`
          : ''
      toasts.error({
        code: 'store.readOnly',
        message: `This project is open read-only; nothing you do here is saved.${found}`,
        hint: 'What is shown is how a repair would leave it. In the desktop studio, open it again and choose “Repair into a copy”, or export what you need.',
      })
    }
    void refreshEngine()
  }

  /** `null` leaves every node: the next prompt makes a new image from text. */
  function select(id: NodeId | null): void {
    currentId.value = id
    pickedByUser.value = true
  }

  function requireApi(): StudioApi {
    if (!api.value) throw new Error('the studio is not connected yet')
    return api.value
  }

  return {
    api,
    state,
    currentId,
    pickedByUser,
    current,
    engine,
    engineState,
    engineReason,
    hostLost,
    access,
    progress,
    restoreOffer,
    variants,
    connect,
    select,
    requireApi,
    refreshEngine,
    resync,
  }
})

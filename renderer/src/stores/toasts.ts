/** Messages for the user: errors say what to do, and stay until dismissed or replaced. */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorData, type StudioErrorData } from '../../../core/result'

export interface Toast {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly message: string
  readonly hint: string | null
}

export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  let next = 1

  function push(kind: Toast['kind'], message: string, hint: string | null = null): void {
    toasts.value = [...toasts.value.slice(-4), { id: next++, kind, message, hint }]
    if (kind === 'info') {
      const id = next - 1
      setTimeout(() => dismiss(id), 4000)
    }
  }
  const error = (caught: unknown): void => {
    const e: StudioErrorData = toErrorData(caught)
    push('error', e.message, e.hint ?? null)
  }
  const info = (message: string): void => push('info', message)
  /** Runs a user action; a failure becomes an error toast (with its hint) instead of a silent reject. */
  async function attempt<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action()
    } catch (e) {
      error(e)
      return undefined
    }
  }
  const dismiss = (id: number): void => {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }
  return { toasts, error, info, dismiss, attempt }
})

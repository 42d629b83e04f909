/**
 * Messages for the user: errors say what to do. Every message leaves by itself after a few
 * seconds (errors stay longer), and waits while the pointer or focus is on it so it can be read.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { toErrorData, type StudioErrorData } from '../../../core/result'

export interface Toast {
  readonly id: number
  readonly kind: 'error' | 'info'
  readonly message: string
  readonly hint: string | null
}

/** How long a message stays unattended: long enough to read a reason and its hint. */
export const TOAST_MS = { info: 4000, error: 9000 } as const

export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1

  function schedule(toast: Toast): void {
    clearTimeout(timers.get(toast.id))
    timers.set(
      toast.id,
      setTimeout(() => dismiss(toast.id), TOAST_MS[toast.kind]),
    )
  }
  function push(kind: Toast['kind'], message: string, hint: string | null = null): void {
    const toast = { id: next++, kind, message, hint }
    for (const old of toasts.value.slice(0, -4)) dismiss(old.id)
    toasts.value = [...toasts.value, toast]
    schedule(toast)
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
  /** The pointer or focus is on a message: it stays until they leave it. */
  const hold = (id: number): void => {
    clearTimeout(timers.get(id))
    timers.delete(id)
  }
  const release = (id: number): void => {
    const toast = toasts.value.find((t) => t.id === id)
    if (toast) schedule(toast)
  }
  const dismiss = (id: number): void => {
    hold(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }
  return { toasts, error, info, dismiss, hold, release, attempt }
})

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
  /** One line per item of a grouped message (every refused file of a drop), else empty. */
  readonly details: readonly string[]
}

/** A file of one drop or paste that was refused, with why. */
export interface Refusal {
  readonly fileName: string
  readonly error: unknown
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
  function push(kind: Toast['kind'], message: string, hint: string | null = null, details: readonly string[] = []): void {
    const toast = { id: next++, kind, message, hint, details }
    for (const old of toasts.value.slice(0, -4)) dismiss(old.id)
    toasts.value = [...toasts.value, toast]
    schedule(toast)
  }
  const error = (caught: unknown): void => {
    const e: StudioErrorData = toErrorData(caught)
    push('error', e.message, e.hint ?? null)
  }
  const info = (message: string): void => push('info', message)
  /**
   * Every refused file of one drop or paste as one message that names them all: one toast per
   * file would push the older ones out of the list (it keeps five), and the user would never
   * learn which files were left behind.
   */
  function refused(refusals: readonly Refusal[], verb = 'imported'): void {
    if (refusals.length === 0) return
    const reasons = refusals.map((r) => ({ name: r.fileName, error: toErrorData(r.error) }))
    const line = (r: (typeof reasons)[number]): string =>
      r.error.message.includes(r.name) ? r.error.message : `${r.name}: ${r.error.message}`
    if (reasons.length === 1) {
      const only = reasons[0] as (typeof reasons)[number]
      return push('error', line(only), only.error.hint ?? null)
    }
    const names = reasons.map((r) => `“${r.name}”`).join(', ')
    const hints = [...new Set(reasons.flatMap((r) => (r.error.hint ? [r.error.hint] : [])))]
    push('error', `${reasons.length} files were not ${verb}: ${names}.`, hints.length > 0 ? hints.join(' ') : null, reasons.map(line))
  }
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
  return { toasts, error, info, refused, dismiss, hold, release, attempt }
})

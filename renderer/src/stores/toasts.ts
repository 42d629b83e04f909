/** Messages for the user: errors say what to do, and stay until dismissed or replaced. */
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

export const useToastStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  let next = 1

  function push(kind: Toast['kind'], message: string, hint: string | null = null, details: readonly string[] = []): void {
    toasts.value = [...toasts.value.slice(-4), { id: next++, kind, message, hint, details }]
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
  const dismiss = (id: number): void => {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }
  return { toasts, error, info, refused, dismiss, attempt }
})

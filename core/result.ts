/** Expected failures are values callers branch on; exceptions are reserved for bugs. */
import type { ErrorCode } from './errorCodes'

export type { ErrorCode } from './errorCodes'

export type Result<T, E = StudioErrorData> = { ok: true; value: T } | { ok: false; error: E }

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value })
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error })

/** The plain error shape that crosses every process boundary (never an Error instance). */
export interface StudioErrorData {
  /** Stable machine-readable code, e.g. `image.notAnImage`. */
  readonly code: string
  /** What went wrong, in one sentence a user understands. */
  readonly message: string
  /** What the user can do about it. */
  readonly hint?: string
}

/** A new error: its code must be one of `ERROR_CODES` (core/errorCodes.ts). */
export const studioError = (code: ErrorCode, message: string, hint?: string): StudioErrorData => errorData(code, message, hint)

/** The plain shape around a code that came from elsewhere (a reply, a stored error): passed on as it is. */
export const errorData = (code: string, message: string, hint?: string): StudioErrorData =>
  hint === undefined ? { code, message } : { code, message, hint }

/** Thrown across an `await` boundary when an expected failure must unwind a call stack. */
export class StudioError extends Error {
  readonly code: string
  readonly hint?: string
  constructor(data: StudioErrorData) {
    super(data.message)
    this.name = 'StudioError'
    this.code = data.code
    if (data.hint !== undefined) this.hint = data.hint
  }
  toData(): StudioErrorData {
    return errorData(this.code, this.message, this.hint)
  }
}

/** Turns anything caught into the plain shape, keeping codes of known errors. */
export function toErrorData(caught: unknown, fallbackCode: ErrorCode = 'internal'): StudioErrorData {
  if (caught instanceof StudioError) return caught.toData()
  if (isErrorData(caught)) return errorData(caught.code, caught.message, caught.hint)
  if (caught instanceof Error) return studioError(fallbackCode, caught.message)
  return studioError(fallbackCode, String(caught))
}

/** True for the plain error shape (e.g. an error that crossed Electron's contextBridge). */
export function isErrorData(value: unknown): value is StudioErrorData {
  if (value === null || typeof value !== 'object') return false
  const v = value as Record<string, unknown>
  return typeof v.code === 'string' && typeof v.message === 'string' && (v.hint === undefined || typeof v.hint === 'string')
}

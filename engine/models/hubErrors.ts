/**
 * What a failed hub call means to the user. The hub answers 401 to a gated repository without a
 * token and 403 to a token whose owner has not accepted the licence; both are explained with the
 * way out. Every message is redacted: the token never reaches an error, a log or the terminal.
 */
import { HubApiError } from '@huggingface/hub'
import { errorData, StudioError, studioError, type StudioErrorData } from '../../core/result'
import type { CatalogueEntry } from './catalogue'
import { redact } from './hubToken'

/** Errors a retry may cure: the connection dropped, the server reset or timed out. */
export function isRetryable(e: unknown): boolean {
  if (e instanceof StudioError || e instanceof HubApiError) return e instanceof HubApiError && e.statusCode >= 500
  if (e instanceof Error && e.name === 'AbortError') return false
  // undici: TypeError('fetch failed' | 'terminated'); node: ECONNRESET, ECONNREFUSED, socket hang up.
  return true
}

export function hubErrorData(e: unknown, entry: CatalogueEntry, token: string | null): StudioErrorData {
  if (e instanceof StudioError) return errorData(e.code, redact(e.message, token), e.hint && redact(e.hint, token))
  if (e instanceof HubApiError) {
    if (e.statusCode === 401)
      return studioError('model.gated', `${entry.repo} is gated and the hub did not accept the request without a valid token.`, entry.gated)
    if (e.statusCode === 403)
      return studioError(
        'model.gated',
        `The hub refused the token for ${entry.repo}: its owner has not been granted access yet.`,
        `Accept the licence on https://huggingface.co/${entry.repo} with the account the token belongs to, then try again.`,
      )
    if (e.statusCode === 404) return studioError('model.notFound', `${entry.repo}: not found on the hub (or not visible to this token).`)
    return studioError(
      'model.download',
      `The hub answered ${e.statusCode}: ${redact(e.message, token)}`,
      'Try again later; the download resumes where it stopped.',
    )
  }
  const message = e instanceof Error ? e.message : String(e)
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : ''
  return studioError(
    'model.download',
    `The download failed: ${redact(message + cause, token)}`,
    'Check the connection and try again; the download resumes where it stopped.',
  )
}

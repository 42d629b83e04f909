/** Validates one incoming request against the contract; used by both transports' servers. */
import { RequestSchemas, type RequestName, type ValidParams } from './api'
import { err, ok, studioError, type Result } from '../result'

export const isRequestName = (name: unknown): name is RequestName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(RequestSchemas, name)

const MAX_ISSUES_SHOWN = 5
const clip = (text: string): string => (text.length > 200 ? `${text.slice(0, 199)}…` : text)

export function validateRequest<K extends RequestName>(name: K, params: unknown): Result<ValidParams<K>> {
  const parsed = RequestSchemas[name].safeParse(params ?? {})
  if (parsed.success) return ok(parsed.data as ValidParams<K>)
  // The first few problems, each cut short: a hostile request can carry thousands (zod lists every
  // unknown key), and the answer must stay a message, not an echo of the request.
  const issues = parsed.error.issues
  const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => clip(`${i.path.join('.') || '(params)'}: ${i.message}`))
  const more = issues.length > MAX_ISSUES_SHOWN ? `; and ${issues.length - MAX_ISSUES_SHOWN} more` : ''
  return err(studioError('request.invalid', `Invalid ${name} request — ${shown.join('; ')}${more}.`))
}

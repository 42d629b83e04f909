/** Validates one incoming request against the contract; used by both transports' servers. */
import { RequestSchemas, type RequestName, type ValidParams } from './api'
import { err, ok, studioError, type Result } from './result'

export const isRequestName = (name: unknown): name is RequestName =>
  typeof name === 'string' && Object.prototype.hasOwnProperty.call(RequestSchemas, name)

export function validateRequest<K extends RequestName>(name: K, params: unknown): Result<ValidParams<K>> {
  const parsed = RequestSchemas[name].safeParse(params ?? {})
  if (parsed.success) return ok(parsed.data as ValidParams<K>)
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')
  return err(studioError('request.invalid', `Invalid ${name} request — ${problems}.`))
}

import { describe, expectTypeOf, it } from 'vitest'
import type { ErrorCode } from '../../core/errorCodes'
import { studioError } from '../../core/result'

describe('error codes', () => {
  it('are a closed union: a misspelt code in studioError does not type-check', () => {
    expectTypeOf(studioError).parameter(0).toEqualTypeOf<ErrorCode>()
    // @ts-expect-error 'job.notFuond' is not an error code.
    studioError('job.notFuond', 'There is no job.')
    expectTypeOf<'job.notFound'>().toExtend<ErrorCode>()
  })
})

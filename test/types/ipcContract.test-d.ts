import { describe, expectTypeOf, it } from 'vitest'
import type { RequestName, RequestResults, StudioApi, StudioRequests } from '../../core/contract/api'
import { Channels } from '../../core/contract/channels'

describe('the Electron channel list and the StudioApi contract', () => {
  it('name a channel for every request and no channel without a request', () => {
    expectTypeOf<keyof typeof Channels>().toEqualTypeOf<RequestName>()
  })
  it('give every request a result type and nothing else', () => {
    expectTypeOf<keyof RequestResults>().toEqualTypeOf<RequestName>()
  })
  it('expose every request as a function of StudioApi', () => {
    expectTypeOf<Pick<StudioApi, RequestName>>().toEqualTypeOf<StudioRequests>()
  })
})

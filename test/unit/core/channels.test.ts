import { describe, expect, it } from 'vitest'
import { RequestSchemas } from '../../../core/contract/api'
import { Channels, requestNames } from '../../../core/contract/channels'

describe('Channels', () => {
  it('gives each request its own channel', () => {
    const values = Object.values(Channels)
    expect(new Set(values).size).toBe(values.length)
  })
  it('lists exactly the requests that have schemas, so nothing reaches the host unvalidated', () => {
    expect([...requestNames].sort()).toEqual(Object.keys(RequestSchemas).sort())
  })
})

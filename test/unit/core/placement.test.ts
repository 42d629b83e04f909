/** The status bar's line for which component ran on which provider. */
import { describe, expect, it } from 'vitest'
import { placementText } from '../../../core/domain/placement'

describe('placementText', () => {
  it('groups components by provider in the order they first ran', () => {
    expect(
      placementText([
        { component: 't5', provider: 'cpu' },
        { component: 'clip', provider: 'cpu' },
        { component: 'transformer', provider: 'cuda' },
        { component: 'vae-decoder', provider: 'cpu' },
      ]),
    ).toBe('t5, clip, vae-decoder on cpu; transformer on cuda')
  })

  it('is empty before any job', () => {
    expect(placementText([])).toBe('')
  })
})

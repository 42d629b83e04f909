import { describe, expect, it } from 'vitest'
import { promptWords, shownWord, unknownPromptWords } from '../../../core/domain/promptWords'

describe('how a closed-vocabulary model reads an instruction', () => {
  it('treats punctuation as a separator, not as part of a word', () => {
    expect(promptWords('Make the red circle blue.')).toEqual(['make', 'the', 'red', 'circle', 'blue'])
    expect(promptWords('make it BLUE!!!')).toEqual(['make', 'it', 'blue'])
    expect(promptWords('red,blue;green — navy')).toEqual(['red', 'blue', 'green', 'navy'])
    expect(promptWords('  \n\t ')).toEqual([])
  })

  it('lists each unknown word once, in order', () => {
    const vocab = ['make', 'the', 'circle', 'blue']
    expect(unknownPromptWords('Make the circle blue.', vocab)).toEqual([])
    expect(unknownPromptWords('make the dog blue, the dog!', vocab)).toEqual(['dog'])
    expect(unknownPromptWords('a zebra and a yak', vocab)).toEqual(['a', 'zebra', 'and', 'yak'])
  })

  it('elides a long word when showing it', () => {
    expect(shownWord('x'.repeat(100_000))).toHaveLength(24)
    expect(shownWord('teal')).toBe('teal')
  })
})

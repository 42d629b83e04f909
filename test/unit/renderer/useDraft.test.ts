/** A field's draft: follows the stored value, except while the designer is typing in it. */
import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { useDraft } from '../../../renderer/src/composables/useDraft'

describe('useDraft', () => {
  it('follows the stored value while the field is not being edited', async () => {
    const stored = ref('Shot 1')
    const { draft } = useDraft(() => stored.value)
    expect(draft.value).toBe('Shot 1')
    stored.value = 'Opening'
    await nextTick()
    expect(draft.value).toBe('Opening')
  })

  it('keeps half-typed text when the project changes under it, then takes the saved value', async () => {
    const stored = ref('')
    const notes = useDraft(() => stored.value)
    notes.begin()
    notes.draft.value = 'Slow push in'
    // Another change re-sends the old value (a re-render, an edit of another field).
    stored.value = 'x'
    stored.value = ''
    await nextTick()
    expect(notes.draft.value).toBe('Slow push in')
    notes.end()
    expect(notes.draft.value).toBe('Slow push in')
    stored.value = 'Slow push in'
    await nextTick()
    expect(notes.draft.value).toBe('Slow push in')
  })

  it('shows what another window stored meanwhile when the field is left unchanged', async () => {
    const stored = ref('Shot 2')
    const title = useDraft(() => stored.value)
    title.begin()
    stored.value = 'Renamed elsewhere'
    await nextTick()
    expect(title.draft.value).toBe('Shot 2')
    title.end()
    expect(title.draft.value).toBe('Renamed elsewhere')
  })
})

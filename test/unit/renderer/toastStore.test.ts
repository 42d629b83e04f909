/** Messages for the user: errors say what to do; every message leaves by itself unless held; few at once. */
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StudioError } from '../../../core/result'
import { useToastStore } from '../../../renderer/src/stores/toasts'

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers()
})
afterEach(() => vi.useRealTimers())

describe('toasts', () => {
  it('shows a rejected request with its message and its hint, long enough to read, then lets it go', () => {
    const toasts = useToastStore()
    toasts.error({
      code: 'image.notAnImage',
      message: '“notes.txt” is not an image.',
      hint: 'Drop a PNG, JPEG, WebP, AVIF, TIFF or GIF file.',
    })
    vi.advanceTimersByTime(5_000)
    expect(toasts.toasts).toMatchObject([
      { kind: 'error', message: '“notes.txt” is not an image.', hint: 'Drop a PNG, JPEG, WebP, AVIF, TIFF or GIF file.' },
    ])
    vi.advanceTimersByTime(5_000)
    expect(toasts.toasts).toEqual([])
  })

  it('keeps a message while the pointer or focus is on it, and lets it go after they leave', () => {
    const toasts = useToastStore()
    toasts.error(new Error('socket closed'))
    const id = toasts.toasts[0]!.id
    toasts.hold(id)
    vi.advanceTimersByTime(60_000)
    expect(toasts.toasts).toHaveLength(1)
    toasts.release(id)
    vi.advanceTimersByTime(10_000)
    expect(toasts.toasts).toEqual([])
    toasts.error(new Error('again'))
    toasts.dismiss(toasts.toasts[0]!.id)
    expect(toasts.toasts).toEqual([])
  })

  it('turns thrown errors of any shape into a message', () => {
    const toasts = useToastStore()
    toasts.error(new StudioError({ code: 'engine.crashed', message: 'The engine stopped.', hint: 'It restarts by itself; try again.' }))
    toasts.error(new Error('socket closed'))
    toasts.error('plain text')
    expect(toasts.toasts.map((t) => [t.message, t.hint])).toEqual([
      ['The engine stopped.', 'It restarts by itself; try again.'],
      ['socket closed', null],
      ['plain text', null],
    ])
  })

  it('lets an information note go after a few seconds', () => {
    const toasts = useToastStore()
    toasts.info('Saved storyboard.pdf')
    expect(toasts.toasts).toHaveLength(1)
    vi.advanceTimersByTime(5_000)
    expect(toasts.toasts).toEqual([])
  })

  it('never stacks more than five, dropping the oldest', () => {
    const toasts = useToastStore()
    for (let i = 1; i <= 7; i++) toasts.error(new Error(`failure ${i}`))
    expect(toasts.toasts.map((t) => t.message)).toEqual(['failure 3', 'failure 4', 'failure 5', 'failure 6', 'failure 7'])
  })

  it('tells the refusals of one drop as one message that names every file, with each reason', () => {
    const toasts = useToastStore()
    const names = Array.from({ length: 7 }, (_, i) => `bad-${i + 1}.txt`)
    toasts.refused(
      names.map((fileName, i) => ({
        fileName,
        error:
          i === 6
            ? new Error('socket closed')
            : { code: 'image.notAnImage', message: `“${fileName}” is not an image.`, hint: 'Drop a PNG.' },
      })),
    )
    expect(toasts.toasts).toHaveLength(1)
    const [toast] = toasts.toasts
    for (const name of names) expect(toast?.message).toContain(name)
    expect(toast?.message).toMatch(/^7 files were not imported/)
    expect(toast?.details).toEqual([...names.slice(0, 6).map((n) => `“${n}” is not an image.`), 'bad-7.txt: socket closed'])
    expect(toast?.hint).toBe('Drop a PNG.')
  })

  it('tells a single refusal as before, and nothing when every file went in', () => {
    const toasts = useToastStore()
    toasts.refused([])
    expect(toasts.toasts).toEqual([])
    toasts.refused([{ fileName: 'notes.txt', error: { code: 'image.notAnImage', message: '“notes.txt” is not an image.' } }])
    expect(toasts.toasts).toMatchObject([{ message: '“notes.txt” is not an image.', details: [] }])
  })
})

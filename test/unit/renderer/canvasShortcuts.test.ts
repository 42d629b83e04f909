/** The shortcut table is what the help overlay lists and what the keys do; these keys must not collide. */
import { describe, expect, it } from 'vitest'
import { SHORTCUTS, nudgeOf, shortcutFor, type ShortcutAction } from '../../../renderer/src/canvas/shortcuts'

const key = (k: string, mods: { ctrl?: boolean; shift?: boolean; meta?: boolean } = {}): KeyboardEvent =>
  ({
    key: k,
    ctrlKey: !!mods.ctrl,
    shiftKey: !!mods.shift,
    metaKey: !!mods.meta,
    altKey: false,
    target: null,
    defaultPrevented: false,
  }) as unknown as KeyboardEvent

const actionsFor = (e: KeyboardEvent): ShortcutAction[] => SHORTCUTS.filter((s) => s.match(e)).map((s) => s.action)

describe('canvas shortcuts', () => {
  it.each([
    [key('z', { ctrl: true }), 'undo'],
    [key('Z', { ctrl: true, shift: true }), 'redo'],
    [key('y', { ctrl: true }), 'redo'],
    [key('z', { meta: true }), 'undo'],
    [key('e'), 'eraserTool'],
    [key('E', { ctrl: true, shift: true }), 'export'],
    [key('f'), 'fit'],
    [key('1'), 'actualSize'],
    [key('='), 'zoomIn'],
    [key('-'), 'zoomOut'],
    [key('Delete'), 'deleteLayer'],
    [key('j', { ctrl: true }), 'duplicateLayer'],
    [key('?', { shift: true }), 'help'],
  ] as const)('%o does exactly %s', (e, action) => {
    expect(actionsFor(e)).toEqual([action])
  })

  it('leaves browser keys alone: Ctrl+F, Ctrl+1 and Ctrl+C do nothing on the canvas', () => {
    for (const e of [key('f', { ctrl: true }), key('1', { ctrl: true }), key('c', { ctrl: true })]) expect(actionsFor(e)).toEqual([])
  })

  it('lists every action once, each with keys and a label for the help overlay', () => {
    const actions = SHORTCUTS.map((s) => s.action)
    expect(new Set(actions).size).toBe(actions.length)
    for (const s of SHORTCUTS) expect(s.keys.length * s.label.length).toBeGreaterThan(0)
  })
})

describe('nudging and key ownership', () => {
  it('nudges 1 px, or 10 px with Shift', () => {
    expect(nudgeOf(key('ArrowLeft'))).toEqual({ dx: -1, dy: 0 })
    expect(nudgeOf(key('ArrowDown', { shift: true }))).toEqual({ dx: 0, dy: 10 })
  })

  it('leaves a key another widget already handled alone', () => {
    const handled = { ...key('z', { ctrl: true }), defaultPrevented: true } as unknown as KeyboardEvent
    expect(shortcutFor(key('z', { ctrl: true }))).toBe('undo')
    expect(shortcutFor(handled)).toBeNull()
  })
})

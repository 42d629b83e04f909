/**
 * Both themes meet WCAG 2.2 AA contrast for the pairs the studio draws: body and muted text on the
 * panels, status colours as text, white on accent buttons (4.5:1), and the accent as a focus ring
 * or selection border next to the panels (3:1). Read from the stylesheet itself, so a colour change
 * that breaks legibility fails here.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const css = readFileSync(join(import.meta.dirname, '..', '..', '..', 'renderer', 'src', 'styles', 'theme.css'), 'utf8')

function tokens(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`)
  if (start < 0) throw new Error(`no ${selector} block in theme.css`)
  const block = css.slice(start, css.indexOf('}', start))
  return Object.fromEntries(Array.from(block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g), (m) => [m[1] as string, m[2] as string]))
}

/** WCAG relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}
const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number]
  return (hi + 0.05) / (lo + 0.05)
}

const dark = tokens(':root')
const light = { ...dark, ...tokens(":root[data-theme='light']") }

describe.each([
  ['dark', dark],
  ['light', light],
])('the %s theme', (_name, t) => {
  const text: [string, string, number][] = [
    ['text', 'bg', 4.5],
    ['text', 'panel', 4.5],
    ['text', 'panel-2', 4.5],
    ['muted', 'panel', 4.5],
    ['muted', 'panel-2', 4.5],
    ['muted', 'bg', 4.5],
    ['danger', 'panel', 4.5],
    ['ok', 'panel', 4.5],
    ['accent', 'bg', 3],
    ['accent', 'panel', 3],
  ]
  it.each(text)('%s on %s reaches %s:1', (fg, bg, minimum) => {
    expect(t[fg], `--${fg}`).toBeDefined()
    expect(t[bg], `--${bg}`).toBeDefined()
    expect(contrast(t[fg] as string, t[bg] as string)).toBeGreaterThanOrEqual(minimum)
  })

  it('white text on accent buttons reaches 4.5:1', () => {
    expect(contrast('#ffffff', t.accent as string)).toBeGreaterThanOrEqual(4.5)
  })
})

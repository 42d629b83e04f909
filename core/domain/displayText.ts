/**
 * Text from outside (a file name, a prompt word) made safe to show in a message: a terminal must
 * never receive an escape sequence it would obey, and a 100 KB word must not flood the screen.
 * Pure; the CLI runs every message through it, the image code every file name.
 */

/** C0 and C1 controls, DEL, and the bidirectional overrides that can reorder what a reader sees. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/** `\x1b`-style escapes for characters that must not reach a terminal raw. */
const escapeChar = (c: string): string => {
  const code = c.codePointAt(0) ?? 0
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Longest run of non-space characters kept whole; longer words keep their start and end. */
export const MAX_DISPLAY_WORD = 60

/** A word longer than `max` as its start, “…”, its end and how many characters were left out. */
function elideWord(word: string, max: number): string {
  const chars = [...word]
  if (chars.length <= max) return word
  const keep = Math.floor((max - 1) / 2)
  return `${chars.slice(0, keep).join('')}…(${chars.length - 2 * keep} more)…${chars.slice(-keep).join('')}`
}

/**
 * Escapes control characters (keeping newline and tab), elides words over `maxWord` characters and
 * caps the whole at `maxTotal` characters.
 */
export function safeDisplayText(text: string, options: { maxWord?: number; maxTotal?: number } = {}): string {
  const maxWord = options.maxWord ?? MAX_DISPLAY_WORD
  const maxTotal = options.maxTotal ?? 4000
  const escaped = text.replace(UNSAFE, escapeChar)
  const elided = escaped.replace(/[^\s]+/g, (w) => elideWord(w, maxWord))
  const chars = [...elided]
  return chars.length <= maxTotal ? elided : `${chars.slice(0, maxTotal).join('')}… (${chars.length - maxTotal} more characters)`
}

/** A file's name as messages show it: its last path segment, escaped and short. */
export function displayFileName(path: string): string {
  const base = path.split(/[\\/]/).filter(Boolean).pop() ?? path
  return safeDisplayText(base.replace(/[\n\t]/g, escapeChar), { maxWord: 80, maxTotal: 120 })
}

/** What every CLI command gets: output streams, terminal facts, and the shared error → exit-code map. */
import { safeDisplayText } from '../../core/domain/displayText'
import { errorData, type StudioErrorData } from '../../core/result'

export interface CliContext {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** stderr is a terminal: draw a progress bar. */
  readonly isTTY: boolean
  readonly cwd: string
  /** Aborted on Ctrl-C. */
  readonly signal: AbortSignal
}

export interface CliCommand {
  readonly summary: string
  readonly usage: string
  run(argv: string[], ctx: CliContext): Promise<number>
}

/** Exit codes scripts can branch on. */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  input: 3,
  model: 4,
  provider: 5,
  prompt: 6,
  cancelled: 130,
} as const

export function exitCodeFor(error: StudioErrorData): number {
  const area = error.code.split('.')[0]
  if (error.code === 'job.cancelled') return EXIT.cancelled
  switch (area) {
    case 'cli':
      return EXIT.usage
    case 'file':
    case 'image':
      return EXIT.input
    case 'model':
      return EXIT.model
    case 'provider':
      return EXIT.provider
    case 'prompt':
      return EXIT.prompt
    default:
      return EXIT.failed
  }
}

/**
 * Prints an error and returns its exit code. Messages quote what the user gave (a prompt word, a
 * file name, an option): escape sequences are escaped and very long words elided here, once for
 * every command, so nothing from outside reaches the terminal (or a JSON reader) raw.
 */
export function reportError(ctx: CliContext, error: StudioErrorData, json: boolean): number {
  const shown = errorData(error.code, safeDisplayText(error.message), error.hint === undefined ? undefined : safeDisplayText(error.hint))
  if (json) ctx.out(JSON.stringify({ ok: false, error: shown }) + '\n')
  else ctx.err(`kontext: ${shown.message}${shown.hint ? `\n  ${shown.hint}` : ''}\n`)
  return exitCodeFor(error)
}

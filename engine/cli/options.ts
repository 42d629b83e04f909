/**
 * The option parsing every command starts with: argv against the command's options (Node's
 * parseArgs, no positionals), an unknown or malformed option answered as a usage error (in JSON
 * with --json) rather than thrown, and the whole-number options commands share.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { StudioErrorData } from '../../core/result'
import { reportError, type CliContext } from './context'
import { numberOption, usageError } from './inputs'

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>
type Config<O extends ParseArgsOptionsConfig> = { args: string[]; options: O; allowPositionals: false }
export type OptionValues<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<Config<O>>>['values']

/** The parsed values, or the exit code of the usage error already reported. */
export function parseOptions<O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  ctx: CliContext,
): { readonly values: OptionValues<O> } | { readonly exit: number } {
  try {
    return { values: parseArgs<Config<O>>({ args: argv, options, allowPositionals: false }).values }
  } catch (e) {
    return { exit: reportError(ctx, usageError(e instanceof Error ? e.message : String(e)), argv.includes('--json')) }
  }
}

/** A whole-number option within `min`–`max` (depth, attempts, concurrency, lock times). */
export const countOption = (name: string, value: string | undefined, min: number, max: number): number | undefined | StudioErrorData =>
  numberOption(name, value, { min, max, integer: true })

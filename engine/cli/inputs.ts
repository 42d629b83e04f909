/**
 * Everything `kontext generate|edit` is given, checked before any model work: numbers against
 * the studio's limits (core/limits.ts, the same the API and the engine protocol use), the prompt,
 * the input images (header limits, then a streamed decode), and that `--out` can be written.
 * Each refusal is one sentence that says what is allowed; nothing from outside is echoed raw.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { safeDisplayText } from '../../core/domain/displayText'
import { MAX_PROMPT_CHARS, SAMPLING_LIMITS, type NumberRange } from '../../core/limits'
import { studioError, type StudioErrorData } from '../../core/result'
import { checkImageFile, STUDIO_IMAGE_LIMITS } from '../image/imageIo'
import { refuse } from '../image/imageRefusals'

export const usageError = (message: string, hint?: string): StudioErrorData =>
  studioError('cli.usage', message, hint ?? 'Run `kontext help` for the options.')

export const isError = (v: unknown): v is StudioErrorData => typeof v === 'object' && v !== null && 'code' in v && 'message' in v

/** A value the user typed, as a message quotes it (escaped, long values elided). */
const quoted = (value: string): string => `“${safeDisplayText(value, { maxWord: 40, maxTotal: 60 })}”`

/** One numeric option within its range; `undefined` when it was not given. */
export function numberOption(name: string, value: string | undefined, range: NumberRange): number | undefined | StudioErrorData {
  if (value === undefined) return undefined
  // Number('') is 0 and Number(' 7 ') is 7: only plain decimal numbers are taken.
  const n = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(value) ? Number(value) : Number.NaN
  const ok = Number.isFinite(n) && n >= range.min && n <= range.max && (!range.integer || Number.isInteger(n))
  if (ok) return n
  const kind = range.integer ? 'an integer' : 'a number'
  return usageError(`--${name} must be ${kind} from ${range.min} to ${range.max}, got ${quoted(value)}.`)
}

export interface SamplingOptions {
  readonly seed?: number
  readonly steps?: number
  readonly guidance?: number
  readonly size?: { readonly width: number; readonly height: number }
}

export function samplingOptions(values: {
  seed?: string
  steps?: string
  guidance?: string
  width?: string
  height?: string
}): SamplingOptions | StudioErrorData {
  const seed = numberOption('seed', values.seed, SAMPLING_LIMITS.seed)
  const steps = numberOption('steps', values.steps, SAMPLING_LIMITS.steps)
  const guidance = numberOption('guidance', values.guidance, SAMPLING_LIMITS.guidance)
  const width = numberOption('width', values.width, SAMPLING_LIMITS.side)
  const height = numberOption('height', values.height, SAMPLING_LIMITS.side)
  for (const v of [seed, steps, guidance, width, height]) if (isError(v)) return v
  if ((width === undefined) !== (height === undefined)) return usageError('Give --width and --height together.')
  return {
    ...(seed !== undefined ? { seed: seed as number } : {}),
    ...(steps !== undefined ? { steps: steps as number } : {}),
    ...(guidance !== undefined ? { guidance: guidance as number } : {}),
    ...(width !== undefined && height !== undefined ? { size: { width: width as number, height: height as number } } : {}),
  }
}

/** The prompt as given, or why not: a prompt of only spaces is as empty as no prompt. */
export function checkPrompt(prompt: string | undefined): string | StudioErrorData {
  if (prompt === undefined) return usageError('--prompt is required.')
  if (prompt.trim() === '') return usageError('--prompt is empty.', 'Say what to make or change, e.g. --prompt "make the sky red".')
  if ([...prompt].length > MAX_PROMPT_CHARS)
    return usageError(`--prompt has ${[...prompt].length} characters; the limit is ${MAX_PROMPT_CHARS}.`, 'Shorten the prompt.')
  return prompt
}

/**
 * Reads an input image and checks it as the studio's import does: its size on disk before
 * reading, its header before decoding, then one streamed decode. Refusals name the file.
 */
export async function readImageInput(path: string, cwd: string, flag: string): Promise<Uint8Array | StudioErrorData> {
  const full = resolve(cwd, path)
  const shown = `${flag} ${safeDisplayText(path, { maxWord: 40, maxTotal: 60 })}`
  if (!existsSync(full)) return studioError('file.notFound', `${shown}: no such file.`, 'Check the path.')
  const stat = statSync(full)
  if (!stat.isFile()) return studioError('file.notAFile', `${shown} is a folder, not an image file.`)
  // Refused from its size on disk: a 10 GB file is never read into memory.
  if (stat.size > STUDIO_IMAGE_LIMITS.maxBytes)
    return refuse.tooManyBytes(path, stat.size, STUDIO_IMAGE_LIMITS.maxBytes, STUDIO_IMAGE_LIMITS.maxSide)
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(full))
  } catch {
    return studioError('file.unreadable', `${shown} cannot be read.`, 'Check that you may read it.')
  }
  const checked = await checkImageFile(bytes, path, STUDIO_IMAGE_LIMITS)
  return checked.ok ? bytes : checked.error
}

/**
 * Checks that `--out` can be written before the run: an existing file must be writable and not a
 * folder; otherwise the nearest existing folder above it must be writable (missing folders are
 * made, as before).
 */
export function checkOutPath(out: string, given: string): StudioErrorData | null {
  const shown = `--out ${quoted(given)}`
  const cantWrite = (why: string) => studioError('file.outUnwritable', `Cannot write ${shown}: ${why}.`, 'Choose another --out path.')
  if (existsSync(out)) {
    if (statSync(out).isDirectory()) return cantWrite('it is a folder')
    return writable(out) ? null : cantWrite('you may not write that file')
  }
  let dir = dirname(out)
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  if (!statSync(dir).isDirectory()) return cantWrite(`${quoted(dir)} is a file, not a folder`)
  return writable(dir) ? null : cantWrite(`you may not write in the folder ${quoted(dir)}`)
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK)
    return true
  } catch {
    return false
  }
}

/** A write that failed after the run, in words (the errno code only as the last detail). */
export function writeFailed(given: string, caught: unknown): StudioErrorData {
  const code = typeof caught === 'object' && caught !== null && 'code' in caught ? String((caught as { code: unknown }).code) : ''
  const why =
    code === 'ENOSPC'
      ? 'the disk is full'
      : code === 'EACCES' || code === 'EPERM'
        ? 'you may not write there'
        : code === 'EROFS'
          ? 'the disk is read-only'
          : 'the file could not be written'
  return studioError(
    'file.writeFailed',
    `Could not write --out ${quoted(given)}: ${why}.`,
    'Free space or choose another --out path, then run again.',
  )
}

/**
 * The inputs of a `kontext edit` with several `--in` (files, folders or both) as the planned
 * items of a local batch: each file under its own name, a folder's images as `kontext batch`
 * lists them, the output names checked for clashes up front. A file that cannot be used is not
 * fatal: it becomes that item's failure, with the same sentence a single `--in` would get.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { studioError, type Result, type StudioErrorData, err, ok } from '../../core/result'
import { STUDIO_IMAGE_LIMITS } from '../image/imageIo'
import { listInputs, outputName, resultKey, seedFor, sha256Hex, type BatchSettings, type InputFile, type PlannedItem } from '../batch/plan'
import { isError, readImageInput } from './inputs'

/** True when the `--in` values ask for the many-input form: more than one, or one folder. */
export function manyInputs(values: readonly string[], cwd: string): boolean {
  if (values.length !== 1) return values.length > 1
  const full = resolve(cwd, values[0] as string)
  return existsSync(full) && statSync(full).isDirectory()
}

/** An input that will not run, and why (reported among the results, in input order). */
export interface RefusedInput {
  readonly index: number
  readonly name: string
  readonly error: StudioErrorData
}

export interface EditPlan {
  /** Every input in the order given, a folder's images in name order at the folder's place. */
  readonly files: readonly (InputFile & { readonly given: string })[]
}

/** Expands folders and names every output; refuses two inputs that would write the same file. */
export function expandInputs(values: readonly string[], cwd: string): Result<EditPlan> {
  const files: (InputFile & { given: string })[] = []
  for (const given of values) {
    const full = resolve(cwd, given)
    if (existsSync(full) && statSync(full).isDirectory()) {
      const listed = listInputs(full)
      if (!listed.ok) return listed
      for (const f of listed.value) files.push({ ...f, given: f.path })
    } else files.push({ name: basename(full), path: full, given })
  }
  const seen = new Map<string, string>()
  for (const f of files) {
    const out = outputName(f.name)
    const other = seen.get(out)
    if (other !== undefined)
      return err(
        studioError(
          'file.nameClash',
          `Two inputs would both be written as “${out}” in --out (${other === f.path ? 'the same file is given twice' : 'same base name'}).`,
          'Give each input once, and rename inputs that share a base name.',
        ),
      )
    seen.set(out, f.path)
  }
  return ok({ files })
}

/**
 * Keys and seeds every usable input (reading one file at a time, to hash it); inputs that are
 * missing, folders or too large on disk are refused here without reading them.
 */
export async function planEditItems(
  plan: EditPlan,
  settings: BatchSettings,
  cwd: string,
): Promise<{ items: PlannedItem[]; refused: RefusedInput[] }> {
  const items: PlannedItem[] = []
  const refused: RefusedInput[] = []
  for (const [index, f] of plan.files.entries()) {
    const stat = existsSync(f.path) ? statSync(f.path) : null
    if (!stat || !stat.isFile() || stat.size > STUDIO_IMAGE_LIMITS.maxBytes) {
      const why = await readImageInput(f.given, cwd, '--in')
      // Its own refusal (no such file, a folder, too large), found without reading the file.
      if (isError(why)) refused.push({ index, name: f.name, error: why })
      else refused.push({ index, name: f.name, error: studioError('file.unreadable', `--in ${f.name} cannot be read.`) })
      continue
    }
    let inputHash: string
    try {
      inputHash = sha256Hex(new Uint8Array(readFileSync(f.path)))
    } catch {
      refused.push({
        index,
        name: f.name,
        error: studioError('file.unreadable', `--in ${f.name} cannot be read.`, 'Check that you may read it.'),
      })
      continue
    }
    items.push({ name: f.name, path: f.path, inputHash, seed: seedFor(inputHash, settings.seed), key: resultKey(inputHash, settings) })
  }
  return { items, refused }
}

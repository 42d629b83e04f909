/**
 * A batch as data: the input folder's images, one instruction and its settings, and the key each
 * result is stored under. Queue-agnostic: the in-process runner and the BullMQ adapter share it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { z } from 'zod'
import { generationJobSchema, samplingFields } from '../../core/contract/generationJob'
import { studioError, type StudioErrorData, type Result, err, ok } from '../../core/result'

import { sha256Hex } from '../hashing'

export { sha256Hex }

/** Inputs are named by their content; a job carries these, never a path. */
export const BlobHash = z.string().regex(/^[0-9a-f]{64}$/, 'a blob hash is 64 lowercase hex digits')

/**
 * What every item of a batch shares. Part of each result's key, so every field must be stable.
 * The sampling fields are the generation job's (core/contract/generationJob.ts), with its limits.
 */
export const BatchSettings = z.object({
  prompt: generationJobSchema.shape.prompt.min(1),
  /** A model id (never a folder path: a worker resolves it among its own installed models). */
  model: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a model id is letters, digits, “.”, “_” or “-”'),
  steps: samplingFields.steps,
  guidance: samplingFields.guidance,
  /** Reference images after the item's own input (offsets 2, 3, …), as blob hashes. */
  refs: z.array(BlobHash).max(8),
  /** Fixed seed for every item, or null: each item's seed is derived from its input's hash. */
  seed: samplingFields.seed.nullable(),
})
export type BatchSettings = z.infer<typeof BatchSettings>

export interface PlannedItem {
  /** The input's file name; the result is written under the same name (as .png) in --out. */
  readonly name: string
  readonly inputHash: string
  readonly seed: number
  readonly key: string
  /** Where the input is read from (on the machine that plans; never sent in a job). */
  readonly path: string
  /** A region edit's mask (a PNG made from the input by a region preset) and its hash, part of the key. */
  readonly maskHash?: string
  readonly maskPng?: Uint8Array
}

export const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.avif', '.tif', '.tiff', '.gif'])

/**
 * A deterministic per-item seed when none is given: re-submitting the same folder gives the same
 * keys (so nothing is made twice), while items do not all share one noise pattern.
 */
export const seedFor = (inputHash: string, fixed: number | null): number => fixed ?? parseInt(inputHash.slice(0, 8), 16) & 0x7fffffff

/**
 * The result key: (input, instruction, model, seed, settings, region mask) in a fixed field order.
 * A retried or duplicated job has the same key, and the result stores refuse a second write under
 * a key. The mask's hash is appended only for a region edit (so a whole-image key is unchanged),
 * and so a different region preset never reuses a result.
 */
export function resultKey(inputHash: string, s: BatchSettings, maskHash?: string): string {
  const canonical = JSON.stringify([
    'kontext-batch-v1',
    inputHash,
    s.prompt,
    s.model,
    seedFor(inputHash, s.seed),
    s.steps,
    s.guidance,
    s.refs,
    ...(maskHash ? [maskHash] : []),
  ])
  return sha256Hex(new TextEncoder().encode(canonical))
}

/** The output file for an input: same base name, PNG (the engine writes PNG). */
export const outputName = (inputName: string): string => `${inputName.slice(0, inputName.length - extname(inputName).length)}.png`

export interface InputFile {
  readonly name: string
  readonly path: string
}

/** The folder's image files (not recursive), sorted by name, so a plan is the same on every run. */
export function listInputs(dir: string): Result<InputFile[]> {
  let names: string[]
  try {
    if (!statSync(dir).isDirectory())
      return err(studioError('file.notAFolder', `--in ${dir} is a file, not a folder.`, 'Give the folder of images.'))
    names = readdirSync(dir)
  } catch {
    return err(studioError('file.notFound', `--in ${dir}: no such folder.`, 'Check the path.'))
  }
  const files = names
    .filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase()) && !n.startsWith('.'))
    .filter((n) => statSync(join(dir, n)).isFile())
    .sort()
    .map((name) => ({ name, path: join(dir, name) }))
  if (files.length === 0)
    return err(studioError('file.noImages', `--in ${dir} holds no images.`, `Put ${[...IMAGE_EXTENSIONS].join(' ')} files in it.`))
  const seen = new Map<string, string>()
  for (const f of files) {
    const out = outputName(f.name)
    const other = seen.get(out)
    if (other) return err(clash(other, f.name, out))
    seen.set(out, f.name)
  }
  return ok(files)
}

const clash = (a: string, b: string, out: string): StudioErrorData =>
  studioError('file.nameClash', `“${a}” and “${b}” would both be written as “${out}”.`, 'Rename one of them.')

/**
 * Hashes every input (one file in memory at a time: a folder of 5,000 photos must not be held
 * at once) and keys every item. Two identical files share one key and so one result.
 */
export function planBatch(files: readonly InputFile[], settings: BatchSettings): PlannedItem[] {
  return files.map((f) => {
    const inputHash = sha256Hex(new Uint8Array(readFileSync(f.path)))
    return { name: f.name, path: f.path, inputHash, seed: seedFor(inputHash, settings.seed), key: resultKey(inputHash, settings) }
  })
}

/**
 * `kontext batch` without a queue: one engine (sessions loaded once) and a small window of items
 * in flight, so one item's file read, decode and PNG encode (sharp, on libuv's threads) overlap
 * the other's inference instead of waiting for it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { studioError, toErrorData } from '../../core/result'
import type { GenerationJob, GenerationResult } from '../../core/contract/generationJob'
import type { RunHooks } from '../engineService'
import type { ItemOutcome } from './outcome'
import { outputName, type BatchSettings, type PlannedItem } from './plan'

/** The slice of KontextEngine a batch needs (the same pipeline `kontext edit` drives). */
export interface EditEngine {
  run(job: GenerationJob, hooks?: RunHooks): Promise<GenerationResult>
}

export interface LocalBatch {
  readonly engine: EditEngine
  readonly items: readonly PlannedItem[]
  readonly settings: BatchSettings
  /** The reference images' bytes, in the order of settings.refs. */
  readonly refs: readonly Uint8Array[]
  readonly outDir: string
  /** Items in flight at once; 2 is enough to hide decode/encode behind inference. */
  readonly depth?: number
  readonly signal?: AbortSignal
  readonly onItem?: (outcome: ItemOutcome, finished: number) => void
  /**
   * Reads one item's input; its rejection is that item's failure. Default: the file as it is
   * (`kontext edit` passes one that checks the image first, as a single `--in` is checked).
   */
  readonly readInput?: (item: PlannedItem) => Promise<Uint8Array>
  /** Output size asked of the model (it snaps to one of its resolutions); default: the input's. */
  readonly size?: { readonly width: number; readonly height: number }
}

/** The engine job for one item: its input first (offset 1), then the shared references, and its region mask if any. */
export const itemJob = (
  item: Pick<PlannedItem, 'seed'>,
  input: Uint8Array,
  refs: readonly Uint8Array[],
  s: BatchSettings,
  size?: { readonly width: number; readonly height: number },
  mask?: Uint8Array,
): GenerationJob => ({
  model: s.model,
  prompt: s.prompt,
  contexts: [input, ...refs],
  seed: item.seed,
  steps: s.steps,
  guidance: s.guidance,
  ...(size ? { width: size.width, height: size.height } : {}),
  // A region edit: the engine crops around the mask, edits and blends back (outside it, the input's bytes).
  ...(mask ? { mask: { png: mask } } : {}),
})

const readAsIs = async (item: PlannedItem): Promise<Uint8Array> => new Uint8Array(await readFile(item.path))

/** Written beside and renamed into place, so a killed batch never leaves half a PNG under a result's name. */
export async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.part`
  await writeFile(tmp, bytes)
  await rename(tmp, path)
}

export async function runLocalBatch(b: LocalBatch): Promise<ItemOutcome[]> {
  const outcomes: ItemOutcome[] = new Array<ItemOutcome>(b.items.length)
  let next = 0
  let finished = 0
  const lane = async (): Promise<void> => {
    for (let i = next++; i < b.items.length; i = next++) {
      const item = b.items[i] as PlannedItem
      const out = outputName(item.name)
      let outcome: ItemOutcome
      if (b.signal?.aborted)
        outcome = { name: item.name, key: item.key, ok: false, error: studioError('job.cancelled', 'The batch was cancelled.') }
      else
        try {
          const input = await (b.readInput ?? readAsIs)(item)
          const result = await b.engine.run(itemJob(item, input, b.refs, b.settings, b.size, item.maskPng), {
            previews: false,
            ...(b.signal ? { signal: b.signal } : {}),
          })
          await writeAtomic(join(b.outDir, out), result.png)
          outcome = { name: item.name, key: item.key, ok: true, out }
        } catch (e) {
          outcome = { name: item.name, key: item.key, ok: false, error: toErrorData(e, 'engine.failed') }
        }
      outcomes[i] = outcome
      b.onItem?.(outcome, ++finished)
    }
  }
  const depth = Math.max(1, Math.min(b.depth ?? 2, b.items.length))
  await Promise.all(Array.from({ length: depth }, lane))
  return outcomes
}

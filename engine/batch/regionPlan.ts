/**
 * A batch with a region preset: each item's mask is made from its own photo (decoded here, in the
 * engine's process) and keyed with it, before anything runs or is enqueued. An item whose photo
 * gives no mask (“background” on a photo without transparency) fails by itself with the reason;
 * the others run — one bad photo in 5,000 does not stop a headless batch.
 */
import { readFile } from 'node:fs/promises'
import type { MaskPreset } from '../../core/domain/regionPreset'
import { makeRegionMask } from '../image/regionMask'
import type { ItemOutcome } from './outcome'
import { resultKey, sha256Hex, type BatchSettings, type PlannedItem } from './plan'

export interface RegionPlan {
  /** The items with their masks, keyed with them. */
  readonly items: PlannedItem[]
  /** The items refused, with the reason, in the plan's order. */
  readonly refused: ItemOutcome[]
}

/** One photo at a time (a mask PNG is small; the decoded photo is not kept). */
export async function withRegionMasks(
  items: readonly PlannedItem[],
  settings: BatchSettings,
  preset: MaskPreset,
  read: (item: PlannedItem) => Promise<Uint8Array> = async (item) => new Uint8Array(await readFile(item.path)),
): Promise<RegionPlan> {
  const planned: PlannedItem[] = []
  const refused: ItemOutcome[] = []
  for (const item of items) {
    const made = await makeRegionMask(await read(item), preset, `“${item.name.slice(0, 120)}”`)
    if (!made.ok) {
      refused.push({ name: item.name, key: item.key, ok: false, error: made.error })
      continue
    }
    const maskHash = sha256Hex(made.value.png)
    planned.push({ ...item, maskHash, maskPng: made.value.png, key: resultKey(item.inputHash, settings, maskHash) })
  }
  return { items: planned, refused }
}

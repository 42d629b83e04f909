/**
 * How the engine opens a folder of the model store: a download is the folder itself; a linked
 * model's folder holds only its `install.json`, which says where the files are. Either way the
 * record gives the id and name the Models page shows and the quantisation chosen at import, so a
 * model imported with `kontext models import DIR` is listed and run by the engine and the studio
 * under the same id, with the same graphs.
 */
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { QUANTISE_SETTINGS } from '../quantise/modes'
import type { QuantiseSettings } from '../quantise/quantiseGraph'
import { INSTALL_FILE, PARTIAL_SUFFIX, readInstallRecord } from './installRecord'

export type StoreFolderTarget =
  /** Not a store folder (a bundled model, a folder given by path): opened as it is. */
  | { readonly kind: 'plain'; readonly dir: string }
  | {
      readonly kind: 'store'
      /** Where the model's files are (the linked folder, or the store folder itself). */
      readonly dir: string
      readonly id: string
      readonly name: string
      readonly quantise: QuantiseSettings | null
      readonly quantiseMode: string | null
    }
  | { readonly kind: 'unusable'; readonly reason: string }

export const isPartialFolder = (dir: string): boolean => basename(dir).endsWith(PARTIAL_SUFFIX)

export function storeFolderTarget(dir: string): StoreFolderTarget {
  if (isPartialFolder(dir)) return { kind: 'unusable', reason: 'The download is not finished; run Add again to resume it.' }
  if (!existsSync(join(dir, INSTALL_FILE))) return { kind: 'plain', dir }
  const r = readInstallRecord(dir)
  if (!r.ok) return { kind: 'unusable', reason: `Its ${INSTALL_FILE} cannot be used (${r.problem}); remove the model and add it again.` }
  const rec = r.record
  if (rec.state !== 'installed')
    return { kind: 'unusable', reason: `It is ${rec.state}, not installed: kontext models verify ${rec.id} says what is wrong.` }
  return {
    kind: 'store',
    dir: rec.source.kind === 'linked' ? rec.source.path : dir,
    id: rec.id,
    name: rec.name,
    quantise: rec.quantise ? QUANTISE_SETTINGS[rec.quantise] : null,
    quantiseMode: rec.quantise ?? null,
  }
}

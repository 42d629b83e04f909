/**
 * Model cards: what each model is for, its resolutions, size on disk, precision, licence, the
 * providers that can run it and its status — for the bundled models (from their manifests) and
 * for the store's models (from `install.json` and the catalogue). Plain data, shared by
 * `kontext models list` and the studio's Models page.
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelSummary, ProviderInfo } from '../../core/domain/engineTypes'
import type { CardStatus, ModelCard } from '../../core/domain/modelCards'
import { quantiseLabel } from '../quantise/modes'
import { catalogueEntry } from './catalogue'
import type { ModelStore, StoreEntry } from './store'

export type { CardStatus, ModelCard } from '../../core/domain/modelCards'

/** Bytes under a folder (a bundled model's size on disk). */
export function folderSize(d: string): number {
  let total = 0
  for (const e of readdirSync(d, { withFileTypes: true }))
    total += e.isDirectory() ? folderSize(join(d, e.name)) : e.isFile() ? statSync(join(d, e.name)).size : 0
  return total
}

const DEMO_PURPOSE =
  'A small demonstration model of a synthetic world of coloured shapes on plain backgrounds (64×64, a closed vocabulary). It shows how the studio works; it cannot edit photos — add FLUX.1 Kontext [dev] for those.'

export function bundledCard(m: ModelSummary, sizeOnDisk: number, providers: readonly ProviderInfo[]): ModelCard {
  const demo = m.vocabulary !== null
  return {
    id: m.id,
    name: m.name,
    kind: demo ? 'demonstration' : 'manifest',
    purpose: demo ? DEMO_PURPOSE : 'A model folder with a manifest (model.json).',
    resolutions: m.resolutions,
    sizeOnDisk,
    precision: 'fp32',
    licence: { name: demo ? 'Bundled with the studio (project licence)' : 'See the model folder', url: null },
    providers: providers.map((p) => p.name),
    status: 'ready',
    source: m.dir,
    vocabulary: m.vocabulary,
    problems: [],
  }
}

export function storeCard(store: ModelStore, e: StoreEntry, providers: readonly ProviderInfo[]): ModelCard {
  const r = e.record
  const cat = r?.catalogue ? catalogueEntry(r.catalogue) : undefined
  // A partial folder is never ready, whatever its record says (a crash may have left it mid-verify);
  // only the rename makes a model installed. A running download's phase comes with its events.
  const status: CardStatus = e.partial ? 'incomplete' : r?.state === 'installed' ? 'ready' : 'broken'
  return {
    id: e.id,
    name: r?.name ?? e.id,
    kind: 'flux',
    purpose: cat?.purpose ?? 'A FLUX model folder.',
    resolutions: cat?.resolutions ?? [],
    sizeOnDisk: store.sizeOnDisk(e),
    // Said on the card, never silently: the engine runs these weights quantised.
    precision: r ? (r.quantise ? `${r.precision}, ${quantiseLabel(r.quantise)}` : r.precision) : 'unknown',
    licence: cat ? { name: cat.licence.name, url: cat.licence.url } : { name: 'unknown', url: null },
    providers: providers.map((p) => p.name),
    status,
    source: !r ? e.dir : r.source.kind === 'hub' ? `${r.source.repo}@${r.source.revision.slice(0, 12)}` : `linked: ${r.source.path}`,
    vocabulary: null,
    problems: r ? r.problems : [e.problem ?? 'unreadable record'],
  }
}

/**
 * Model cards: what each model is for, its resolutions, size on disk, precision, licence, the
 * providers that can run it and its status — for the bundled models (from their manifests) and
 * for the store's models (from `install.json` and the catalogue). Plain data, shared by
 * `kontext models list` and the studio's Models page.
 */
import type { ModelSummary, ProviderInfo } from '../../core/engineTypes'
import { catalogueEntry } from './catalogue'
import type { ModelStore, StoreEntry } from './store'

export type CardStatus = 'ready' | 'downloading' | 'verifying' | 'broken' | 'incomplete'

export interface ModelCard {
  readonly id: string
  readonly name: string
  /** `demonstration`: a small model of a synthetic world (kontext-tiny), not for photos. */
  readonly kind: 'demonstration' | 'flux' | 'manifest'
  readonly purpose: string
  readonly resolutions: readonly (readonly [number, number])[]
  readonly sizeOnDisk: number
  readonly precision: string
  readonly licence: { readonly name: string; readonly url: string | null }
  readonly providers: readonly string[]
  readonly status: CardStatus
  readonly source: string
  /** Closed vocabulary (kontext-tiny), else null. */
  readonly vocabulary: readonly string[] | null
  readonly problems: readonly string[]
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
  const state = r?.state
  // A partial folder is never ready, whatever its record says; only the rename makes a model installed.
  const status: CardStatus = !r
    ? 'broken'
    : e.partial
      ? state === 'verifying'
        ? 'verifying'
        : 'incomplete'
      : state === 'installed'
        ? 'ready'
        : 'broken'
  return {
    id: e.id,
    name: r?.name ?? e.id,
    kind: 'flux',
    purpose: cat?.purpose ?? 'A FLUX model folder.',
    resolutions: cat?.resolutions ?? [],
    sizeOnDisk: store.sizeOnDisk(e),
    precision: r?.precision ?? 'unknown',
    licence: cat ? { name: cat.licence.name, url: cat.licence.url } : { name: 'unknown', url: null },
    providers: providers.map((p) => p.name),
    status,
    source: !r ? e.dir : r.source.kind === 'hub' ? `${r.source.repo}@${r.source.revision.slice(0, 12)}` : `linked: ${r.source.path}`,
    vocabulary: null,
    problems: r ? r.problems : [e.problem ?? 'unreadable record'],
  }
}

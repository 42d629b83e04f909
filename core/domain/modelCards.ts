/**
 * What the studio shows about models (plain data shared by the host, the renderer and the CLI):
 * a card per installed model, the catalogue of models that can be added, and the state of a
 * download in progress.
 */
import type { ProviderInfo } from './engineTypes'
import type { StudioErrorData } from '../result'

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

export interface DownloadProgress {
  readonly file: string
  readonly fileIndex: number
  readonly fileCount: number
  readonly fileDone: number
  readonly fileSize: number
  readonly totalDone: number
  readonly totalSize: number
  /** Bytes per second over the recent window; null until two samples exist. */
  readonly bytesPerSecond: number | null
  /** Seconds left at that speed; null when the speed is unknown. */
  readonly secondsLeft: number | null
  readonly phase: 'downloading' | 'verifying'
}

export interface CatalogueCard {
  readonly id: string
  readonly name: string
  readonly purpose: string
  readonly licenceName: string
  readonly licenceUrl: string
  readonly licenceSentence: string
  readonly gated: string
  readonly precisions: readonly string[]
}

export interface ModelDownloadStatus {
  readonly id: string
  readonly name: string
  readonly state: 'planning' | 'downloading' | 'verifying' | 'installed' | 'failed' | 'paused' | 'cancelled'
  readonly progress: DownloadProgress | null
  readonly error: StudioErrorData | null
}

export interface ModelsOverview {
  readonly cards: readonly ModelCard[]
  readonly catalogue: readonly CatalogueCard[]
  readonly download: ModelDownloadStatus | null
  /** Where a hub token would come from now (never the token itself). */
  readonly token: 'HF_TOKEN' | 'memory' | 'safeStorage' | 'none'
  /** The execution providers this onnxruntime build knows, whether the engine would use each and what it needs. */
  readonly providers: readonly ProviderInfo[]
  /** The provider the engine's graphs last ran on (null before the first job). */
  readonly activeProvider: string | null
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB']

/** Decimal units, as disks and the hub count. */
export function formatBytes(n: number): string {
  let v = n
  let u = 0
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : 1)} ${UNITS[u]}`
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/**
 * Which files to fetch: the repository's commit is pinned first (so a resumed download never mixes
 * two revisions), then its listing is matched against the catalogue's plan for the precision. Each
 * file carries the size and hash the hub publishes — the LFS oid (SHA-256) for large files, the git
 * blob id for small ones — which is what the download is verified against.
 */
import { listFiles, modelInfo } from '@huggingface/hub'
import { StudioError, studioError } from '../../core/result'
import { resolvePlan, type CatalogueEntry } from './catalogue'
import { relativeFileSchema, type InstallFile } from './installRecord'

export interface HubAccess {
  /** The hub's address (tests point it at a loopback imitation); the public hub when absent. */
  readonly hubUrl?: string
  readonly accessToken?: string | null
  readonly fetch?: typeof fetch
}

export interface HubPlan {
  readonly repo: string
  /** The commit every file is fetched at. */
  readonly revision: string
  readonly gated: false | 'auto' | 'manual'
  readonly precision: string
  readonly files: readonly InstallFile[]
}

export function hubParams(a: HubAccess): { hubUrl?: string; accessToken?: string; fetch?: typeof fetch } {
  return {
    ...(a.hubUrl ? { hubUrl: a.hubUrl.replace(/\/+$/, '') } : {}),
    ...(a.accessToken ? { accessToken: a.accessToken } : {}),
    ...(a.fetch ? { fetch: a.fetch } : {}),
  }
}

export async function planHubDownload(entry: CatalogueEntry, precision: string, access: HubAccess): Promise<HubPlan> {
  if (!entry.plans[precision])
    throw new StudioError(
      studioError('cli.usage', `${entry.name} has no ${precision} download.`, `Precisions: ${Object.keys(entry.plans).join(', ')}.`),
    )
  const p = hubParams(access)
  const info = await modelInfo({ name: entry.repo, additionalFields: ['sha'], ...p })
  const revision = info.sha
  if (!/^[0-9a-f]{40}$/.test(revision))
    throw new StudioError(studioError('model.download', 'The hub did not give the repository’s commit.'))
  const listing = new Map<string, { size: number; oid?: string; lfs?: { oid: string; size: number } }>()
  for await (const f of listFiles({ repo: entry.repo, recursive: true, revision, ...p })) if (f.type === 'file') listing.set(f.path, f)
  const { files, missing } = resolvePlan(entry, precision, [...listing.keys()])
  if (missing.length)
    throw new StudioError(
      studioError(
        'model.download',
        `${entry.repo} at ${revision.slice(0, 12)} lacks what the ${precision} download needs: ${missing.join('; ')}.`,
      ),
    )
  return {
    repo: entry.repo,
    revision,
    gated: info.gated,
    precision,
    files: files.map((path) => {
      // Paths come from the hub: confine them to the model folder before anything is written.
      if (!relativeFileSchema.safeParse(path).success)
        throw new StudioError(studioError('model.download', 'The hub listed a file path outside the repository.'))
      const f = listing.get(path)!
      if (f.lfs) {
        if (!/^[0-9a-f]{64}$/.test(f.lfs.oid)) throw new StudioError(studioError('model.download', `The hub gave no SHA-256 for ${path}.`))
        return { path, size: f.lfs.size, sha256: f.lfs.oid }
      }
      if (!f.oid || !/^[0-9a-f]{40}$/.test(f.oid)) throw new StudioError(studioError('model.download', `The hub gave no id for ${path}.`))
      return { path, size: f.size, gitOid: f.oid }
    }),
  }
}

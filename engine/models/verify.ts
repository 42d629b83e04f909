/**
 * `verify ID`: a downloaded model's files against the sizes and hashes the hub published (every
 * byte is read again), a linked model's files against what was recorded at import. The record's
 * state follows the answer (installed or broken), so the studio never offers a model that fails.
 */
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { StudioError, studioError } from '../../core/result'
import { gitBlobOid, sha256File } from './fileHash'
import { writeInstallRecord } from './installRecord'
import { verifyLinked } from './linkFolder'
import type { ModelStore } from './store'

export async function verifyModel(
  store: ModelStore,
  id: string,
  signal?: AbortSignal,
): Promise<{ problems: string[]; files: number; bytes: number }> {
  const e = store.get(id)
  if (!e) {
    const partial = store.partial(id)
    throw new StudioError(
      studioError(
        'model.notFound',
        partial ? `${id} is not installed: its download is incomplete.` : `${id} is not installed.`,
        partial ? `kontext models add ${id} resumes it; kontext models remove ${id} deletes it.` : 'kontext models list shows what is.',
      ),
    )
  }
  if (!e.record)
    throw new StudioError(
      studioError('model.invalid', `${id}: ${e.problem ?? 'unreadable record'}.`, `kontext models remove ${id}, then add it again.`),
    )
  const r = e.record
  let problems: string[]
  if (r.source.kind === 'linked') problems = verifyLinked(r)
  else {
    problems = []
    for (const f of r.files) {
      const p = join(e.dir, f.path)
      if (!existsSync(p)) {
        problems.push(`${f.path} is missing.`)
        continue
      }
      const size = statSync(p).size
      if (size !== f.size) problems.push(`${f.path} has ${size} bytes, the hub says ${f.size}.`)
      else if (f.sha256 && (await sha256File(p, signal)) !== f.sha256) problems.push(`${f.path} does not match its SHA-256 on the hub.`)
      else if (f.gitOid && (await gitBlobOid(p, size, signal)) !== f.gitOid) problems.push(`${f.path} does not match its id on the hub.`)
    }
  }
  writeInstallRecord(e.dir, { ...r, state: problems.length ? 'broken' : 'installed', problems })
  return { problems, files: r.files.length, bytes: r.files.reduce((s, f) => s + f.size, 0) }
}

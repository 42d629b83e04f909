/**
 * The model store: one folder per installed model under `$KONTEXT_STUDIO_HOME/models`, each with
 * an `install.json`. A download lives in `<id>.partial/` until every file is verified, then the
 * folder is renamed into place — the rename is the only step that makes a model look installed,
 * so a crash, a full disk or a cancel never leaves half a model that passes for a whole one. A
 * linked folder (ComfyUI, Invoke, Krita, diffusers) is used where it is: its model folder holds
 * only the record, and removing the model never touches the linked files.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { StudioError, studioError } from '../../core/result'
import { INSTALL_FILE, modelIdSchema, PARTIAL_SUFFIX, readInstallRecord, type InstallRecord } from './installRecord'

export interface StoreEntry {
  readonly id: string
  readonly dir: string
  /** In `<id>.partial/`: never usable, whatever its record says. */
  readonly partial: boolean
  readonly record: InstallRecord | null
  /** Why the record could not be read, when it could not. */
  readonly problem: string | null
}

export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.KONTEXT_STUDIO_HOME ?? join(homedir(), '.kontext-studio'), 'models')
}

export function checkModelId(id: string): string {
  const parsed = modelIdSchema.safeParse(id)
  if (!parsed.success)
    throw new StudioError(
      studioError('model.badId', `“${id.slice(0, 64)}” is not a model id: ${parsed.error.issues[0]?.message ?? 'invalid'}.`),
    )
  return parsed.data
}

export class ModelStore {
  readonly root: string
  constructor(root: string) {
    this.root = resolve(root)
  }

  dirOf(id: string): string {
    return join(this.root, checkModelId(id))
  }

  partialDirOf(id: string): string {
    return join(this.root, checkModelId(id) + PARTIAL_SUFFIX)
  }

  /** Every model folder with a record (installed or not) and every partial download. */
  list(): StoreEntry[] {
    if (!existsSync(this.root)) return []
    const out: StoreEntry[] = []
    for (const e of readdirSync(this.root, { withFileTypes: true })) {
      if (!e.isDirectory()) continue
      const partial = e.name.endsWith(PARTIAL_SUFFIX)
      const id = partial ? e.name.slice(0, -PARTIAL_SUFFIX.length) : e.name
      if (!modelIdSchema.safeParse(id).success) continue
      const dir = join(this.root, e.name)
      // Folders without a record are someone else's (e.g. a hand-copied manifest model).
      if (!existsSync(join(dir, INSTALL_FILE))) continue
      const r = readInstallRecord(dir)
      out.push({ id, dir, partial, record: r.ok ? r.record : null, problem: r.ok ? null : r.problem })
    }
    return out.sort((a, b) => a.id.localeCompare(b.id) || Number(a.partial) - Number(b.partial))
  }

  get(id: string): StoreEntry | undefined {
    const dir = this.dirOf(id)
    if (!existsSync(join(dir, INSTALL_FILE))) return undefined
    const r = readInstallRecord(dir)
    return { id, dir, partial: false, record: r.ok ? r.record : null, problem: r.ok ? null : r.problem }
  }

  partial(id: string): StoreEntry | undefined {
    const dir = this.partialDirOf(id)
    if (!existsSync(join(dir, INSTALL_FILE))) return undefined
    const r = readInstallRecord(dir)
    return { id, dir, partial: true, record: r.ok ? r.record : null, problem: r.ok ? null : r.problem }
  }

  /** The partial folder, created if needed; refuses when the model is already installed. */
  openPartial(id: string): string {
    if (existsSync(this.dirOf(id)))
      throw new StudioError(
        studioError(
          'model.exists',
          `${id} is already installed.`,
          `kontext models verify ${id} checks it; kontext models remove ${id} removes it.`,
        ),
      )
    const dir = this.partialDirOf(id)
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /** Makes a verified partial download the installed model: one rename. */
  commit(id: string): string {
    const from = this.partialDirOf(id)
    const to = this.dirOf(id)
    const r = readInstallRecord(from)
    if (!r.ok || r.record.state !== 'installed') throw new Error(`commit of ${id} before it was verified`)
    renameSync(from, to)
    return to
  }

  /** A record-only folder for a model used in place (the record is written by the caller). */
  openLinked(id: string): string {
    const dir = this.dirOf(id)
    if (existsSync(dir))
      throw new StudioError(
        studioError('model.exists', `${id} is already installed.`, `Choose another id with --id, or remove ${id} first.`),
      )
    mkdirSync(dir, { recursive: true })
    return dir
  }

  /** Removes the model's folder and any partial download; a linked folder is left untouched. */
  remove(id: string): { removed: string[] } {
    const removed: string[] = []
    for (const dir of [this.dirOf(id), this.partialDirOf(id)]) {
      if (!existsSync(dir)) continue
      // The record folder of a linked model holds only the record; the model's own files live
      // elsewhere and are the user's. rmSync does not follow symlinks out of the folder.
      rmSync(dir, { recursive: true, force: true })
      removed.push(dir)
    }
    if (!removed.length)
      throw new StudioError(studioError('model.notFound', `${id} is not installed.`, 'kontext models list shows what is.'))
    return { removed }
  }

  /** Bytes the model's own files take (0 for a linked model's record folder beyond the record). */
  sizeOnDisk(entry: StoreEntry): number {
    if (entry.record?.source.kind === 'linked') return entry.record.files.reduce((s, f) => s + f.size, 0)
    let total = 0
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name)
        if (e.isDirectory()) walk(p)
        else if (e.isFile()) total += statSync(p).size
      }
    }
    if (existsSync(entry.dir)) walk(entry.dir)
    return total
  }
}

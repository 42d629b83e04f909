/**
 * Open recent: a small JSON list in an app-data folder the caller passes in (Electron's
 * `app.getPath('userData')`, the web host's studio home). Written to a temporary file and renamed,
 * so a crash while saving the list never loses it. A damaged list reads as empty.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { z } from 'zod'

export const RECENT_FILE = 'recent-projects.json'
export const RECENT_LIMIT = 12

const entrySchema = z.object({ path: z.string().min(1), name: z.string(), openedAt: z.number() })
const fileSchema = z.object({ version: z.literal(1), entries: z.array(entrySchema) })

export interface RecentProject {
  readonly path: string
  readonly name: string
  readonly openedAt: number
  /** The file is gone (moved, deleted, on an unplugged drive): the UI greys it out. */
  readonly missing: boolean
}

function readEntries(appDataDir: string): z.infer<typeof entrySchema>[] {
  try {
    const parsed = fileSchema.safeParse(JSON.parse(readFileSync(join(appDataDir, RECENT_FILE), 'utf8')))
    return parsed.success ? parsed.data.entries : []
  } catch {
    return []
  }
}

function writeEntries(appDataDir: string, entries: readonly z.infer<typeof entrySchema>[]): void {
  mkdirSync(appDataDir, { recursive: true })
  const target = join(appDataDir, RECENT_FILE)
  const temp = `${target}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify({ version: 1, entries }, null, 2))
  renameSync(temp, target)
}

/** The recent projects, newest first. */
export function listRecent(appDataDir: string): RecentProject[] {
  return readEntries(appDataDir).map((e) => ({ ...e, missing: !existsSync(e.path) }))
}

/** Puts a project at the top of the list (once), keeping the newest RECENT_LIMIT. */
export function addRecent(appDataDir: string, project: { path: string; name: string; openedAt: number }): RecentProject[] {
  const path = resolve(project.path)
  const entries = [
    { path, name: project.name, openedAt: project.openedAt },
    ...readEntries(appDataDir).filter((e) => e.path !== path),
  ].slice(0, RECENT_LIMIT)
  writeEntries(appDataDir, entries)
  return listRecent(appDataDir)
}

export function removeRecent(appDataDir: string, path: string): RecentProject[] {
  const target = resolve(path)
  writeEntries(
    appDataDir,
    readEntries(appDataDir).filter((e) => e.path !== target),
  )
  return listRecent(appDataDir)
}

/**
 * Where the CLI looks for models: the repository's bundled assets/models/*, then the studio's
 * download folder ($KONTEXT_STUDIO_HOME/models, default ~/.kontext-studio/models) — the same
 * places the studio uses — each child with a model.json, an install.json (the model store's
 * downloads and linked folders) or safetensors in it (a FLUX checkpoint folder, whose graphs the
 * engine builds). `--model` may also name a folder directly.
 */
import { existsSync, lstatSync, readdirSync, statSync, type Dirent } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MANIFEST_FILE } from '../manifest/validate'
import { INSTALL_FILE, PARTIAL_SUFFIX } from '../models/installRecord'
import { walkModelFolder } from '../weights/walk'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_MODEL_ID = 'kontext-tiny'
export const defaultModelDir = join(repoRoot, 'assets', 'models', DEFAULT_MODEL_ID)

const hasSafetensors = (dir: string): boolean => {
  try {
    const f = walkModelFolder(dir)
    return f.safetensors.length + f.indexes.length > 0
  } catch {
    return false // an unreadable folder is not a checkpoint folder
  }
}

/**
 * Sub-folders that hold a model.json — of any kind, so a broken manifest (a dangling link, say)
 * is listed as broken rather than silently missing — or safetensors (a FLUX checkpoint folder,
 * whose graphs the engine builds). An unreadable parent lists nothing.
 */
function childrenWithManifest(parent: string): string[] {
  let entries: Dirent[]
  try {
    entries = readdirSync(parent, { withFileTypes: true })
  } catch {
    return []
  }
  return entries
    .filter(
      (e) =>
        e.isDirectory() &&
        // A download in progress is never a model; a linked model's folder holds only install.json.
        !e.name.endsWith(PARTIAL_SUFFIX) &&
        (hasEntry(join(parent, e.name, MANIFEST_FILE)) ||
          hasEntry(join(parent, e.name, INSTALL_FILE)) ||
          hasSafetensors(join(parent, e.name))),
    )
    .map((e) => join(parent, e.name))
    .sort()
}

function hasEntry(path: string): boolean {
  try {
    lstatSync(path)
    return true
  } catch {
    return false
  }
}

export function knownModelDirs(): string[] {
  const home = process.env.KONTEXT_STUDIO_HOME ?? join(homedir(), '.kontext-studio')
  return [...childrenWithManifest(join(repoRoot, 'assets', 'models')), ...childrenWithManifest(join(home, 'models'))]
}

/** `--model` as a folder path (when it is one), else null. */
export function modelFolderArg(value: string, cwd: string): string | null {
  const path = resolve(cwd, value)
  return value.includes('/') || value.includes('\\') || (existsSync(path) && statSync(path).isDirectory()) ? path : null
}

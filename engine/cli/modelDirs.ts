/**
 * Where the CLI looks for models: the repository's bundled assets/models/*, then the studio's
 * download folder ($KONTEXT_STUDIO_HOME/models, default ~/.kontext-studio/models) — the same
 * places the studio uses — each child with a model.json or with safetensors in it (a FLUX
 * checkpoint folder, whose graphs the engine builds). `--model` may also name a folder directly.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MANIFEST_FILE } from '../manifest/validate'
import { walkModelFolder } from '../weights/walk'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_MODEL_ID = 'kontext-tiny'
export const defaultModelDir = join(repoRoot, 'assets', 'models', DEFAULT_MODEL_ID)

const hasSafetensors = (dir: string): boolean => {
  const f = walkModelFolder(dir)
  return f.safetensors.length + f.indexes.length > 0
}

function childrenWithManifest(parent: string): string[] {
  if (!existsSync(parent)) return []
  return readdirSync(parent, { withFileTypes: true })
    .filter((e) => e.isDirectory() && (existsSync(join(parent, e.name, MANIFEST_FILE)) || hasSafetensors(join(parent, e.name))))
    .map((e) => join(parent, e.name))
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

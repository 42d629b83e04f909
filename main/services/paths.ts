/** Where the studio's files live, resolved from this module so no machine path is hard-coded. */
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { INSTALL_FILE, PARTIAL_SUFFIX } from '../../engine/models/installRecord'
import { walkModelFolder } from '../../engine/weights/walk'

/** The repository (or unpacked app) root: the nearest folder above with a package.json. */
export function findAppRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(from)
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'assets'))) return dir
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`Cannot find the studio's root folder above ${from}.`)
    dir = parent
  }
}

/** The user's studio folder for projects and downloaded models (override: KONTEXT_STUDIO_HOME). */
export const studioHome = (): string => process.env.KONTEXT_STUDIO_HOME ?? join(homedir(), '.kontext-studio')

/**
 * The one models folder: where the Models page downloads and links models (ModelService's store)
 * and where the engine is told to look, on the desktop and the web host alike.
 */
export const modelStoreDir = (home: string = studioHome()): string => join(home, 'models')

/** A folder of FLUX safetensors (the official release, a ComfyUI folder): the engine builds its graphs. */
const hasSafetensors = (dir: string): boolean => {
  const f = walkModelFolder(dir)
  return f.safetensors.length + f.indexes.length > 0
}

/** Every model folder the studio knows: the bundled ones, then the user's downloads. */
export function modelDirs(appRoot: string, home: string = studioHome()): string[] {
  const parents = [join(appRoot, 'assets', 'models'), modelStoreDir(home)]
  return parents.flatMap((parent) =>
    existsSync(parent)
      ? readdirSync(parent, { withFileTypes: true })
          .filter(
            (e) =>
              e.isDirectory() &&
              // A download in progress is never a model; a linked model's folder holds only install.json.
              !e.name.endsWith(PARTIAL_SUFFIX) &&
              (existsSync(join(parent, e.name, 'model.json')) ||
                existsSync(join(parent, e.name, INSTALL_FILE)) ||
                hasSafetensors(join(parent, e.name))),
          )
          .map((e) => join(parent, e.name))
      : [],
  )
}

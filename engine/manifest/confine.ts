/**
 * Model-folder confinement: every file a model folder uses (model.json, graphs, tokenizers) must
 * be a plain relative name that resolves — symlinks followed — to a regular file inside that
 * folder. A hostile or careless manifest that names `../x`, `/etc/passwd` or a link pointing
 * elsewhere is refused by the manifest field and the name it gave; the target is never opened,
 * so its contents cannot reach an error message.
 */
import { lstatSync, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, sep, win32 } from 'node:path'
import { err, ok, type Result } from '../../core/result'

/**
 * A name from a file, fit to print: control characters (terminal escapes) become `?` and long
 * names are cut, so a manifest cannot drive the user's terminal through our messages.
 */
export function printableName(name: string, max = 120): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?')
  return clean.length > max ? `${clean.slice(0, max)}…` : clean
}

/** Why a name is not a plain relative path, or null when it is (pure: no disk access). */
export function lexicalProblem(name: string): string | null {
  if (name.length === 0) return 'is empty'
  if (name.includes('\u0000')) return 'contains a NUL character'
  if (isAbsolute(name) || win32.isAbsolute(name) || /^[A-Za-z]:/.test(name))
    return 'is an absolute path (names must be relative to the model folder)'
  if (name.split(/[\\/]/).some((part) => part === '..')) return 'climbs out of the model folder with “..”'
  return null
}

/** True when `real` (a resolved path) is not under `root` (also resolved). */
function isOutside(root: string, real: string): boolean {
  const rel = relative(root, real)
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)
}

/**
 * Where a folder's files may really live. Normally the folder itself; for a Hugging Face cache
 * snapshot (`…/models--org--name/snapshots/REV/`, where every file is a link to
 * `../../blobs/SHA`) also that repository's `blobs/` folder — and nothing else of the cache, so a
 * snapshot is used in place as `huggingface-cli download` left it.
 */
export function allowedRoots(realDir: string): string[] {
  const snapshots = dirname(realDir)
  const repo = dirname(snapshots)
  if (basename(snapshots) === 'snapshots' && /^models--[^/\\]+--[^/\\]+$/.test(basename(repo))) return [realDir, join(repo, 'blobs')]
  return [realDir]
}

const outsideAll = (roots: readonly string[], real: string): boolean => roots.every((root) => real === root || isOutside(root, real))

export interface ConfinedFile {
  /** The real path (symlinks resolved) inside the folder's real path. */
  readonly path: string
  readonly size: number
}

/**
 * Resolves `name` (from manifest field `field`) inside `dir`; the error is one sentence naming the
 * field and the name, never the target's contents.
 */
export function confineFile(dir: string, name: string, field: string): Result<ConfinedFile, string> {
  const shown = `${field}: “${printableName(name)}”`
  const lexical = lexicalProblem(name)
  if (lexical) return err(`${shown} ${lexical}`)
  let root: string
  try {
    root = realpathSync(dir)
  } catch {
    return err(`${shown} cannot be checked: the model folder is not readable`)
  }
  const joined = join(root, name)
  let real: string
  try {
    real = realpathSync(joined)
  } catch {
    let isLink = false
    try {
      isLink = lstatSync(joined).isSymbolicLink()
    } catch {
      // Neither the name nor a link by that name exists: plainly missing.
    }
    return err(isLink ? `${shown} is a link to a file that does not exist` : `${shown} is missing`)
  }
  if (outsideAll(allowedRoots(root), real))
    return err(`${shown} resolves outside the model folder (through a symbolic link); copy the file into the folder instead`)
  let st: Stats
  try {
    st = statSync(real)
  } catch {
    return err(`${shown} is missing`) // removed between the two looks
  }
  if (!st.isFile()) return err(`${shown} is not a regular file`)
  return ok({ path: real, size: st.size })
}

/**
 * Links anywhere in the folder that resolve outside it, by their names relative to the folder.
 * onnxruntime opens a graph's external weights (`*.onnx_data`) by the name inside the graph; it
 * refuses names that climb out, but a link inside the folder is followed. Refusing every outward
 * link keeps those in too, without parsing multi-gigabyte graphs. The walk is bounded (depth and
 * entries), so a huge tree costs little.
 */
export function outwardLinks(dir: string, maxDepth = 4, maxEntries = 10_000): string[] {
  let root: string
  try {
    root = realpathSync(dir)
  } catch {
    return []
  }
  const roots = allowedRoots(root)
  const found: string[] = []
  let seen = 0
  const walk = (rel: string, depth: number): void => {
    let entries: Dirent[]
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (++seen > maxEntries) return
      const name = rel ? join(rel, e.name) : e.name
      if (e.isSymbolicLink()) {
        let real: string | null = null
        try {
          real = realpathSync(join(root, name))
        } catch {
          // A dangling link reads nothing; a name that uses it is reported as missing.
        }
        if (real !== null && outsideAll(roots, real)) found.push(name)
      } else if (e.isDirectory() && depth < maxDepth) walk(name, depth + 1)
    }
  }
  walk('', 0)
  return found
}

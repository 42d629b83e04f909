/**
 * Model-folder confinement: every file a model folder uses (model.json, graphs, tokenizers) must
 * be a plain relative name that resolves — symlinks followed — to a regular file inside that
 * folder. A hostile or careless manifest that names `../x`, `/etc/passwd` or a link pointing
 * elsewhere is refused by the manifest field and the name it gave; the target is never opened,
 * so its contents cannot reach an error message.
 */
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs'
import { isAbsolute, join, relative, sep, win32 } from 'node:path'
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
  const rel = relative(root, real)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
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

/**
 * Every way opening or writing a project can fail, each with its own code, a sentence that says
 * what the file is, and what the user can do. Codes are stable: the UI and tests branch on them.
 */
import { studioError, type StudioErrorData } from '../../core/result'

const name = (path: string): string => path.split(/[\\/]/).pop() ?? path

export const storeErrors = {
  notFound: (p: string) => studioError('store.notFound', `${name(p)} does not exist.`, 'Choose another file, or create a new project.'),
  isDirectory: (p: string) => studioError('store.isDirectory', `${name(p)} is a folder, not a project file.`, 'Choose a .kstudio file.'),
  permissionDenied: (p: string) =>
    studioError(
      'store.permissionDenied',
      `You do not have permission to open ${name(p)}.`,
      'Check the file’s permissions, or copy it somewhere you can write.',
    ),
  empty: (p: string) =>
    studioError(
      'store.empty',
      `${name(p)} is empty (0 bytes), so it is not a Kontext Studio project.`,
      'It may be an interrupted download or copy; use the original file.',
    ),
  notSqlite: (p: string) =>
    studioError(
      'store.notAProject',
      `${name(p)} is not a Kontext Studio project (it is not a database file at all).`,
      'Choose a .kstudio file.',
    ),
  truncated: (p: string) =>
    studioError(
      'store.truncated',
      `${name(p)} is cut short: part of the project file is missing.`,
      'It was probably copied or downloaded incompletely; use the original file or a backup.',
    ),
  foreign: (p: string) =>
    studioError(
      'store.foreignDatabase',
      `${name(p)} is a database of another application, not a Kontext Studio project.`,
      'Choose a .kstudio file; this one was left unchanged.',
    ),
  newerVersion: (p: string, version: number, supported: number) =>
    studioError(
      'store.newerVersion',
      `${name(p)} was saved by a newer Kontext Studio (project format ${version}; this version reads up to ${supported}).`,
      'Update Kontext Studio to open it; the file was left unchanged.',
    ),
  corrupt: (p: string, detail: string) =>
    studioError('store.corrupt', `${name(p)} is damaged (${detail}).`, 'Open it read-only and export what is readable to a new project.'),
  locked: (p: string) =>
    studioError(
      'project.locked',
      `${name(p)} is already open in another Kontext Studio window or program.`,
      'Switch to that window, or close it and try again.',
    ),
  backupFailed: (p: string, detail: string) =>
    studioError(
      'store.backupFailed',
      `${name(p)} was saved by an older Kontext Studio, and no backup of it could be kept before upgrading it (${detail}).`,
      'Free some space beside the file (or check its folder’s permissions) and open it again; the file was left unchanged.',
    ),
  inconsistent: (p: string, problems: readonly string[]) =>
    studioError(
      'store.inconsistent',
      `${name(p)} is inconsistent: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? `; and ${problems.length - 3} more` : ''}.`,
      'Repair it into a copy beside it (the original is kept as it is), or open it read-only.',
    ),
  alreadyExists: (p: string) =>
    studioError('store.alreadyExists', `${name(p)} already exists.`, 'Open it instead, or choose another name.'),
  noDriver: () =>
    studioError(
      'store.noDriver',
      'This runtime has no SQLite driver (neither node:sqlite nor better-sqlite3).',
      'Reinstall Kontext Studio.',
    ),
  readOnly: (p: string) =>
    studioError('store.readOnly', `${name(p)} is open read-only.`, 'Export what you need to a new project to keep working.'),
  blobMismatch: (hash: string) =>
    studioError(
      'store.blobMismatch',
      `The image bytes do not match their content hash ${hash.slice(0, 12)}….`,
      'This is a bug; nothing was saved.',
    ),
  blobMissing: (hash: string) =>
    studioError(
      'store.blobMissing',
      `The image ${hash.slice(0, 12)}… was not provided with the change that introduces it.`,
      'This is a bug; nothing was saved.',
    ),
  blobDamaged: (p: string, hash: string) =>
    studioError(
      'store.blobDamaged',
      `An image in ${name(p)} is damaged (its bytes no longer match ${hash.slice(0, 12)}…).`,
      'Open the project read-only and export what is readable to a new project.',
    ),
  blobInUse: (hash: string) =>
    studioError(
      'store.blobInUse',
      `The image ${hash.slice(0, 12)}… is still used, so it cannot be removed.`,
      'This is a bug; nothing was changed.',
    ),
  diskFull: (p: string) =>
    studioError(
      'store.diskFull',
      `The disk holding ${name(p)} is full; the last change was not saved.`,
      'Free some space and try again; nothing else was lost.',
    ),
  io: (p: string, detail: string) =>
    studioError('store.io', `${name(p)} could not be read or written (${detail}).`, 'Check the disk (space, permissions) and try again.'),
} satisfies Record<string, (...args: never[]) => StudioErrorData>

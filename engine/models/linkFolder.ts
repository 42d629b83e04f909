/**
 * `import DIR`: a folder already on disk (ComfyUI / Invoke / Krita models folder, a diffusers
 * folder, the official release) used in place. Files are matched by content (tensor names and
 * shapes, `inspectModelFolder`); the record says which file plays which component. A folder that
 * cannot run FLUX.1 Kontext [dev] is refused with every missing or mismatched piece named at once,
 * and nothing is recorded. Verifying a linked model checks the same files are still there with
 * the same sizes and still inspect as complete.
 */
import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, parse, resolve } from 'node:path'
import { StudioError, studioError } from '../../core/result'
import { BUNDLED_CLIP_MERGES } from '../tokenizers/bundled'
import { COMPONENTS, inspectModelFolder, type FolderInspection } from '../weights/detect'
import type { QuantiseMode } from '../quantise/modes'
import { FLUX1_KONTEXT_DEV } from './catalogue'
import { writeInstallRecord, type InstallRecord } from './installRecord'
import type { ModelStore } from './store'

type Components = InstallRecord['components']

function componentsOf(r: FolderInspection): { components: Components; files: string[] } {
  const components: Components = {}
  const files = new Set<string>()
  for (const kind of COMPONENTS) {
    const c = r.chosen[kind]
    if (!c) continue
    components[kind] = { layout: c.layout, files: [...c.files], prefix: c.prefix, precision: c.precision.label }
    c.files.forEach((f) => files.add(f))
  }
  for (const t of r.tokenizers) {
    if (t.problems.length || components[`${t.kind}-tokenizer`]) continue
    components[`${t.kind}-tokenizer`] = { layout: t.source, files: t.source === 'folder' ? [t.where] : [], prefix: '', precision: '' }
  }
  return { components, files: [...files] }
}

function fileSizes(dir: string, files: readonly string[]): InstallRecord['files'] {
  return files.map((f) => ({ path: f.split('\\').join('/'), size: statSync(join(dir, f)).size }))
}

/** The id a linked folder gets unless one is given: `linked-` + its folder name, as an id. */
export function linkedIdFor(folder: string): string {
  const base = folder.split(/[\\/]/).filter(Boolean).pop() ?? ''
  const slug = base
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/\.+$/, '')
    .slice(0, 50)
  return `linked-${slug || 'folder'}`
}

/** Inspects `folder`; on success writes a linked record under `id` (with the quantisation asked for) and returns it. */
export function linkFolder(store: ModelStore, id: string, folderIn: string, opts: { quantise?: QuantiseMode } = {}): InstallRecord {
  const folder = resolve(folderIn)
  if (!existsSync(folder) || !statSync(folder).isDirectory())
    throw new StudioError(
      studioError('model.notFound', 'No such folder.', 'Give the path of a models folder (ComfyUI, Invoke, Krita or diffusers).'),
    )
  // The whole disk or home folder is not a models folder, and walking it would take minutes.
  if (folder === parse(folder).root || folder === homedir())
    throw new StudioError(
      studioError('model.badFolder', 'That is a whole disk or home folder.', 'Choose the models folder itself, e.g. …/ComfyUI/models.'),
    )
  if (folder === store.root || folder.startsWith(store.root + '/'))
    throw new StudioError(
      studioError('model.badFolder', 'That folder is inside the studio’s own model store.', 'Link a folder kept elsewhere.'),
    )
  const r = inspectModelFolder(folder, { bundledClipMerges: BUNDLED_CLIP_MERGES })
  if (!r.usable) {
    throw new StudioError(
      studioError(
        'model.incomplete',
        `The folder cannot run ${FLUX1_KONTEXT_DEV.name}: ${r.problems.join(' ')}`,
        'kontext models inspect DIR lists every file found.',
      ),
    )
  }
  const { components, files } = componentsOf(r)
  const dir = store.openLinked(id)
  const record: InstallRecord = {
    version: 1,
    id,
    name: `${FLUX1_KONTEXT_DEV.name} (linked folder)`,
    catalogue: FLUX1_KONTEXT_DEV.id,
    state: 'installed',
    source: { kind: 'linked', path: folder },
    precision: components.transformer?.precision ?? 'unknown',
    files: fileSizes(folder, files),
    components,
    ...(opts.quantise ? { quantise: opts.quantise } : {}),
    problems: [],
    updatedAt: '',
  }
  writeInstallRecord(dir, record)
  return record
}

/** Re-checks a linked model: every recorded file present with its size, the folder still complete. */
export function verifyLinked(record: InstallRecord): string[] {
  if (record.source.kind !== 'linked') return ['not a linked model']
  const folder = record.source.path
  if (!existsSync(folder)) return ['The linked folder is gone (moved or unmounted?).']
  const problems: string[] = []
  for (const f of record.files) {
    const p = join(folder, f.path)
    if (!existsSync(p)) problems.push(`${f.path} is missing.`)
    else if (statSync(p).size !== f.size) problems.push(`${f.path} changed size (${statSync(p).size} bytes, recorded ${f.size}).`)
  }
  if (problems.length) return problems
  return inspectModelFolder(folder, { bundledClipMerges: BUNDLED_CLIP_MERGES }).problems.slice()
}

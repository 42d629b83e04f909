/**
 * `install.json`: what the model store knows about one installed model folder — its state, where
 * it came from (a hub repository at a pinned commit, or a folder linked in place), its files with
 * sizes and hashes, which file plays which component, and what is missing. Written atomically
 * (temporary file + rename) so a crash never leaves half a record.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { quantiseModeSchema } from '../quantise/modes'

export const INSTALL_FILE = 'install.json'
export const PARTIAL_SUFFIX = '.partial'

/** Lower-case ids only: they become folder names on every platform. */
export const modelIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a model id is 1-64 lower-case letters, digits, “.”, “_” or “-”')
  .refine((id) => !id.endsWith(PARTIAL_SUFFIX) && !id.includes('..'), 'a model id may not end in .partial or contain “..”')

/** A path inside a model folder: relative, forward slashes, no `..` step, no drive or root. */
export const relativeFileSchema = z
  .string()
  .min(1)
  .max(400)
  .refine(
    (p) =>
      !p.startsWith('/') && !p.includes('\\') && !/^[A-Za-z]:/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'a file path must stay inside the model folder',
  )

export const installStateSchema = z.enum(['downloading', 'verifying', 'installed', 'broken'])
export type InstallState = z.infer<typeof installStateSchema>

export const installFileSchema = z.object({
  path: relativeFileSchema,
  size: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the content: the hub's LFS oid for large files, or computed at import. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** Git blob id (SHA-1 of `blob <size>\0<content>`) for small files the hub stores in git, not LFS. */
  gitOid: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
})
export type InstallFile = z.infer<typeof installFileSchema>

export const installSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hub'), repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/), revision: z.string().min(1).max(100) }),
  /** Used in place, never copied: the store only keeps this record. */
  z.object({ kind: z.literal('linked'), path: z.string().min(1).max(4096) }),
])
export type InstallSource = z.infer<typeof installSourceSchema>

export const installComponentSchema = z.object({
  layout: z.string(),
  files: z.array(z.string()),
  prefix: z.string(),
  precision: z.string(),
})

export const installRecordSchema = z.object({
  version: z.literal(1),
  id: modelIdSchema,
  name: z.string().min(1).max(200),
  /** The catalogue entry it installs (card fields come from there), or null for an unknown folder. */
  catalogue: z.string().nullable(),
  state: installStateSchema,
  source: installSourceSchema,
  precision: z.string(),
  files: z.array(installFileSchema),
  /** Which file plays which component (transformer, autoencoder, clip, t5), from the folder inspection. */
  components: z.record(z.string(), installComponentSchema),
  /**
   * Weight-only quantisation chosen at import (`--quantise int8|int4`): the engine builds this
   * model's graphs with MatMulNBits weights. Absent: float32 graphs. Never applied silently.
   */
  quantise: quantiseModeSchema.optional(),
  /** Every missing or mismatched piece, in words; empty when the model is complete. */
  problems: z.array(z.string()),
  updatedAt: z.string(),
})
export type InstallRecord = z.infer<typeof installRecordSchema>

export type ReadRecord = { ok: true; record: InstallRecord } | { ok: false; problem: string }

export function readInstallRecord(dir: string): ReadRecord {
  const file = join(dir, INSTALL_FILE)
  if (!existsSync(file)) return { ok: false, problem: `no ${INSTALL_FILE}` }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    // Never echo the file's contents: say only that it is not JSON.
    return { ok: false, problem: `${INSTALL_FILE} is not valid JSON` }
  }
  const parsed = installRecordSchema.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    return { ok: false, problem: `${INSTALL_FILE}: ${first ? `${first.path.join('.') || 'record'}: ${first.message}` : 'invalid'}` }
  }
  return { ok: true, record: parsed.data }
}

export function writeInstallRecord(dir: string, record: InstallRecord): void {
  const checked = installRecordSchema.parse({ ...record, updatedAt: new Date().toISOString() })
  const tmp = join(dir, `${INSTALL_FILE}.tmp`)
  writeFileSync(tmp, JSON.stringify(checked, null, 1) + '\n')
  renameSync(tmp, join(dir, INSTALL_FILE))
}

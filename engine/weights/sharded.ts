/**
 * Sharded checkpoints (diffusers/transformers `*.safetensors.index.json`): a `weight_map` from tensor
 * name to shard file. Shard names are confined to the index's folder — a name with a path
 * separator, `..` or an absolute path is refused — and every mapped tensor must be in its shard.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join } from 'node:path'
import {
  readSafetensorsHeader,
  SafetensorsError,
  TensorReader,
  type SafetensorsHeader,
  type TensorInfo,
  type WeightSource,
} from './safetensors'

export interface ShardedHeader {
  readonly index: string
  readonly shards: readonly SafetensorsHeader[]
  readonly tensors: ReadonlyMap<string, TensorInfo>
  readonly metadata: Readonly<Record<string, string>>
}

const MAX_INDEX_BYTES = 64 * 1024 * 1024

/** A shard name as it may appear in an index: one plain file name in the same folder. */
function confinedShard(indexFile: string, name: string): string {
  if (
    name === '' ||
    isAbsolute(name) ||
    name.includes('/') ||
    name.includes('\\') ||
    name === '.' ||
    name === '..' ||
    name.includes('\0')
  ) {
    throw new SafetensorsError(
      indexFile,
      'a shard name in weight_map points outside the folder; only file names in the same folder are allowed.',
    )
  }
  return join(dirname(indexFile), name)
}

interface ParsedIndex {
  readonly json: { metadata?: unknown }
  /** Shard path (confined to the index's folder) → tensor names the index puts there. */
  readonly byShard: ReadonlyMap<string, string[]>
}

function parseIndex(indexFile: string): ParsedIndex {
  if (statSync(indexFile).size > MAX_INDEX_BYTES) throw new SafetensorsError(indexFile, 'the index is too large to be a safetensors index.')
  let json: unknown
  try {
    json = JSON.parse(readFileSync(indexFile, 'utf8'))
  } catch {
    throw new SafetensorsError(indexFile, 'not valid JSON.')
  }
  const weightMap = (json as { weight_map?: unknown } | null)?.weight_map
  if (!weightMap || typeof weightMap !== 'object' || Array.isArray(weightMap))
    throw new SafetensorsError(indexFile, 'has no weight_map object.')
  const byShard = new Map<string, string[]>()
  for (const [tensor, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    if (typeof shard !== 'string') throw new SafetensorsError(indexFile, 'a weight_map entry is not a file name.')
    const path = confinedShard(indexFile, shard)
    byShard.set(path, [...(byShard.get(path) ?? []), tensor])
  }
  return { json: json as { metadata?: unknown }, byShard }
}

/** The shard files an index names (confined to its folder), without opening them. */
export function shardFilesOf(indexFile: string): string[] {
  return [...parseIndex(indexFile).byShard.keys()]
}

/** Reads an index and the headers of its shards (no tensor bytes). */
export function readShardedHeader(indexFile: string): ShardedHeader {
  const { json, byShard } = parseIndex(indexFile)
  const shards: SafetensorsHeader[] = []
  const tensors = new Map<string, TensorInfo>()
  for (const [path, names] of byShard) {
    if (!existsSync(path)) throw new SafetensorsError(indexFile, `shard ${basename(path)} is missing (incomplete download?).`)
    const header = readSafetensorsHeader(path)
    shards.push(header)
    let missing = 0
    for (const name of names) {
      const t = header.tensors.get(name)
      if (t) tensors.set(name, t)
      else missing++
    }
    if (missing) throw new SafetensorsError(indexFile, `${missing} tensor(s) it maps to ${basename(path)} are not in that shard.`)
  }
  const meta = json.metadata
  const metadata: Record<string, string> = {}
  if (meta && typeof meta === 'object')
    for (const [k, v] of Object.entries(meta)) if (typeof v === 'string' || typeof v === 'number') metadata[k] = String(v)
  return { index: indexFile, shards, tensors, metadata }
}

/** Opens a sharded checkpoint through its index; tensor bytes are read on demand. */
export function openSharded(indexFile: string): WeightSource & { readonly header: ShardedHeader } {
  const header = readShardedHeader(indexFile)
  const reader = new TensorReader(header.tensors)
  return {
    header,
    tensors: header.tensors,
    metadata: header.metadata,
    readBytes: (name) => reader.readBytes(name),
    readFloat32: (name) => reader.readFloat32(name),
    close: () => reader.close(),
  }
}

/** The index files in a folder (not recursive). */
export function indexFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors.index.json'))
    .sort()
    .map((f) => join(dir, f))
}

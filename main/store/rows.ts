/**
 * Rows ↔ domain records (core/domain/model.ts). JSON columns hold small structured values (params,
 * errors, settings, layer stacks); everything the store queries or joins on is a real column.
 */
import type { BlobHash, FrameId, JobId, NodeId } from '../../core/ids'
import type {
  BlobMeta,
  Frame,
  GenerationParams,
  HistoryNode,
  ImageFormat,
  Job,
  Layer,
  LayerDocument,
  NodeKind,
  NodeStatus,
  NodeTimings,
  ProjectInfo,
  ProjectSettings,
} from '../../core/domain/model'
import type { StudioErrorData } from '../../core/result'
import type { SqlRow, SqlValue } from './driver'

const str = (v: SqlValue | undefined): string => (typeof v === 'string' ? v : String(v ?? ''))
const num = (v: SqlValue | undefined): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(v ?? 0))
const optStr = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : str(v))
const optNum = (v: SqlValue | undefined): number | undefined => (v === null || v === undefined ? undefined : num(v))
const json = <T>(v: SqlValue | undefined): T | null => (typeof v === 'string' ? (JSON.parse(v) as T) : null)
const toJson = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v))
export const bool = (b: boolean): number => (b ? 1 : 0)

export function projectFromRow(r: SqlRow): ProjectInfo {
  return {
    id: str(r.project_id),
    name: str(r.name),
    createdAt: num(r.created_at),
    modifiedAt: num(r.modified_at),
    settings: json<ProjectSettings>(r.settings) as ProjectSettings,
  }
}
export const projectToParams = (p: ProjectInfo): SqlValue[] => [p.id, p.name, p.createdAt, p.modifiedAt, JSON.stringify(p.settings)]

export function blobFromRow(r: SqlRow): BlobMeta {
  return {
    hash: str(r.hash) as BlobHash,
    width: num(r.width),
    height: num(r.height),
    format: str(r.format) as ImageFormat,
    byteSize: num(r.byte_size),
    hasAlpha: num(r.has_alpha) === 1,
  }
}
export const blobToParams = (b: BlobMeta): SqlValue[] => [b.hash, b.width, b.height, b.format, b.byteSize, bool(b.hasAlpha)]

/** Columns of `nodes` in the order `nodeToParams` writes them. */
export const NODE_COLUMNS = [
  'id',
  'parent_id',
  'kind',
  'prompt',
  'params',
  'context_from_parent',
  'result_blob',
  'status',
  'error',
  'queued_at',
  'started_at',
  'finished_at',
  'created_at',
  'label',
  'starred',
  'deleted_at',
  'source_name',
  'region_mask_blob',
] as const

export function nodeToParams(n: HistoryNode): SqlValue[] {
  return [
    n.id,
    n.parentId,
    n.kind,
    n.prompt,
    toJson(n.params),
    bool(n.contextFromParent),
    n.resultBlob,
    n.status,
    toJson(n.error),
    n.timings.queuedAt ?? null,
    n.timings.startedAt ?? null,
    n.timings.finishedAt ?? null,
    n.createdAt,
    n.label,
    bool(n.starred),
    n.deletedAt,
    n.sourceName,
    n.region?.maskBlob ?? null,
  ]
}

export function nodeFromRow(r: SqlRow, contextBlobs: readonly BlobHash[]): HistoryNode {
  const timings: { queuedAt?: number; startedAt?: number; finishedAt?: number } = {}
  const q = optNum(r.queued_at),
    s = optNum(r.started_at),
    f = optNum(r.finished_at)
  if (q !== undefined) timings.queuedAt = q
  if (s !== undefined) timings.startedAt = s
  if (f !== undefined) timings.finishedAt = f
  const mask = optStr(r.region_mask_blob)
  return {
    id: str(r.id) as NodeId,
    parentId: optStr(r.parent_id) as NodeId | null,
    kind: str(r.kind) as NodeKind,
    prompt: optStr(r.prompt),
    params: json<GenerationParams>(r.params),
    contextBlobs,
    contextFromParent: num(r.context_from_parent) === 1,
    resultBlob: optStr(r.result_blob) as BlobHash | null,
    status: str(r.status) as NodeStatus,
    error: json<StudioErrorData>(r.error),
    timings: timings as NodeTimings,
    createdAt: num(r.created_at),
    label: optStr(r.label),
    starred: num(r.starred) === 1,
    deletedAt: optNum(r.deleted_at) ?? null,
    sourceName: optStr(r.source_name),
    region: mask === null ? null : { maskBlob: mask as BlobHash },
  }
}

export function frameFromRow(r: SqlRow): Frame {
  return {
    id: str(r.id) as FrameId,
    order: num(r.ord),
    nodeId: str(r.node_id) as NodeId,
    title: str(r.title),
    notes: str(r.notes),
    durationMs: num(r.duration_ms),
    candidateNodeId: optStr(r.candidate_node_id) as NodeId | null,
  }
}
export const frameToParams = (f: Frame): SqlValue[] => [f.id, f.order, f.nodeId, f.title, f.notes, f.durationMs, f.candidateNodeId]

export function jobFromRow(r: SqlRow): Job {
  return { id: str(r.id) as JobId, nodeId: str(r.node_id) as NodeId, order: num(r.ord), createdAt: num(r.created_at) }
}
export const jobToParams = (j: Job): SqlValue[] => [j.id, j.nodeId, j.order, j.createdAt]

export function layersFromRow(r: SqlRow): LayerDocument {
  return { nodeId: str(r.node_id) as NodeId, width: num(r.width), height: num(r.height), layers: json<Layer[]>(r.layers) ?? [] }
}
export const layersToParams = (d: LayerDocument): SqlValue[] => [d.nodeId, d.width, d.height, JSON.stringify(d.layers)]

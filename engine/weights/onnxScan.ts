/**
 * What an ONNX export folder holds: each `*.onnx` graph's role (from its input names, following
 * NVIDIA's demoDiffusion export the FLUX ONNX repositories use), its boundary dtypes, and the
 * external-data files it references (checked to exist, confined to the graph's folder).
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, normalize } from 'node:path'
import onnxProto, { type onnx } from 'onnx-proto'

// onnx-proto is CommonJS whose export Node's ESM loader cannot name statically.
const { ModelProto } = onnxProto.onnx

export interface OnnxGraphFound {
  readonly file: string
  readonly role: 'transformer' | 'clip' | 't5' | 'vae-decoder' | 'vae-encoder' | 'unknown'
  /** Input and output names with their element types (`float32`, `bfloat16`, …). */
  readonly inputs: readonly { name: string; dtype: string }[]
  readonly outputs: readonly { name: string; dtype: string }[]
  readonly externalData: readonly string[]
  readonly problems: readonly string[]
}

/** Graphs with weights inline can be GBs; only graph-only files (external data) are parsed. */
const MAX_PARSE_BYTES = 256 * 1024 * 1024

const ELEM: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  6: 'int32',
  7: 'int64',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  16: 'bfloat16',
  17: 'float8e4m3fn',
  19: 'float8e5m2',
}

function roleOf(inputs: readonly string[], outputs: readonly string[]): OnnxGraphFound['role'] {
  const has = (n: string) => inputs.includes(n)
  if (has('hidden_states') && has('encoder_hidden_states')) return 'transformer'
  if (has('input_ids')) return outputs.includes('pooled_embeddings') ? 'clip' : 't5'
  if (has('latent')) return 'vae-decoder'
  if (has('images')) return 'vae-encoder'
  return 'unknown'
}

export function scanOnnx(file: string, relative: (p: string) => string): OnnxGraphFound {
  const problems: string[] = []
  if (statSync(file).size > MAX_PARSE_BYTES) {
    return {
      file: relative(file),
      role: 'unknown',
      inputs: [],
      outputs: [],
      externalData: [],
      problems: ['too large to inspect without loading (weights stored inline).'],
    }
  }
  let model: onnx.ModelProto
  try {
    model = ModelProto.decode(readFileSync(file))
  } catch {
    return { file: relative(file), role: 'unknown', inputs: [], outputs: [], externalData: [], problems: ['not a readable ONNX model.'] }
  }
  const graph = model.graph
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name))
  const io = (list: onnx.IValueInfoProto[] | null | undefined) =>
    (list ?? [])
      .filter((v) => !initializers.has(v.name ?? ''))
      .map((v) => ({ name: v.name ?? '', dtype: ELEM[v.type?.tensorType?.elemType ?? 0] ?? `type ${v.type?.tensorType?.elemType ?? '?'}` }))
  const inputs = io(graph?.input)
  const outputs = io(graph?.output)
  const external = new Set<string>()
  for (const t of graph?.initializer ?? []) {
    const loc = t.externalData?.find((e) => e.key === 'location')?.value
    if (!loc) continue
    const norm = normalize(loc)
    if (isAbsolute(norm) || norm.startsWith('..')) {
      problems.push('an initializer’s external data points outside the graph’s folder.')
      continue
    }
    external.add(norm)
  }
  for (const loc of external) if (!existsSync(join(dirname(file), loc))) problems.push(`external data ${basename(loc)} is missing.`)
  const boundary = [...inputs, ...outputs].filter((v) => v.dtype === 'bfloat16')
  if (boundary.length)
    problems.push(
      `bfloat16 at its boundary (${boundary.map((v) => v.name).join(', ')}): onnxruntime's JavaScript API cannot feed or read it.`,
    )
  return {
    file: relative(file),
    role: roleOf(
      inputs.map((v) => v.name),
      outputs.map((v) => v.name),
    ),
    inputs,
    outputs,
    externalData: [...external].map((l) => relative(join(dirname(file), l))),
    problems,
  }
}

/**
 * Rewrites an ONNX graph's boundaries so the JavaScript side sees float32: every 16-bit float
 * input gets a Cast from a float32 input of the same name, every 16-bit float output a Cast to
 * float32 under its name. onnxruntime-node's JS API has no bfloat16 tensor (`Unsupported data
 * type: 16`), so the published FLUX.1 Kontext ONNX graphs cannot be fed as they are.
 *
 * Only the graph's node list and value infos change; initializers (and so every external-data
 * reference to the weights file) are kept byte for byte. Pure: a ModelProto in, a new one out.
 */
import type { onnx } from 'onnx-proto'

/** ONNX TensorProto element types this module deals with. */
export const ELEM = { float32: 1, float16: 10, bfloat16: 16 } as const
const SIXTEEN_BIT: Record<number, string> = { [ELEM.float16]: 'float16', [ELEM.bfloat16]: 'bfloat16' }

export interface BoundaryChange {
  readonly side: 'input' | 'output'
  readonly name: string
  /** The graph's own element type, now inside the Cast. */
  readonly from: string
}

/** The suffix the original (16-bit) value takes inside the graph. */
const inner = (name: string, taken: Set<string>): string => {
  let n = `${name}/kontext_cast`
  for (let i = 1; taken.has(n); i++) n = `${name}/kontext_cast_${i}`
  taken.add(n)
  return n
}

/** Every value name a graph (and its subgraphs) uses, so the new names never collide. */
function valueNames(g: onnx.IGraphProto, into = new Set<string>()): Set<string> {
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) if (v.name) into.add(v.name)
  for (const t of g.initializer ?? []) if (t.name) into.add(t.name)
  for (const n of g.node ?? []) {
    for (const x of [...(n.input ?? []), ...(n.output ?? [])]) into.add(x)
    for (const a of n.attribute ?? []) {
      if (a.g) valueNames(a.g, into)
      for (const sg of a.graphs ?? []) valueNames(sg, into)
    }
  }
  return into
}

/**
 * Renames uses of `from` to `to` in nodes (and in subgraphs, which may read outer-scope values
 * unless they declare the name themselves).
 */
function renameUses(nodes: onnx.INodeProto[], from: string, to: string): onnx.INodeProto[] {
  return nodes.map((n) => ({
    ...n,
    input: (n.input ?? []).map((x) => (x === from ? to : x)),
    attribute: (n.attribute ?? []).map((a) => ({
      ...a,
      ...(a.g ? { g: renameInSubgraph(a.g, from, to) } : {}),
      ...(a.graphs?.length ? { graphs: a.graphs.map((sg) => renameInSubgraph(sg, from, to)) } : {}),
    })),
  }))
}

function renameInSubgraph(g: onnx.IGraphProto, from: string, to: string): onnx.IGraphProto {
  const shadowed = [...(g.input ?? []), ...(g.initializer ?? [])].some((v) => v.name === from)
  return shadowed ? g : { ...g, node: renameUses(g.node ?? [], from, to) }
}

const withElem = (v: onnx.IValueInfoProto, elemType: number): onnx.IValueInfoProto => ({
  ...v,
  type: { ...v.type, tensorType: { ...v.type?.tensorType, elemType } },
})

const cast = (input: string, output: string, to: number, name: string): onnx.INodeProto => ({
  opType: 'Cast',
  name,
  domain: '',
  input: [input],
  output: [output],
  attribute: [{ name: 'to', type: 2 /* INT */, i: to }],
})

/**
 * The model with float32 at every boundary that was float16 or bfloat16, and what was changed
 * (empty when the graph already had none: the model is then returned as it was).
 */
export function floatBoundaries(model: onnx.IModelProto): { model: onnx.IModelProto; changes: BoundaryChange[] } {
  const g = model.graph
  if (!g) throw new Error('the ONNX model has no graph')
  const initializers = new Set((g.initializer ?? []).map((t) => t.name))
  const taken = valueNames(g)
  const changes: BoundaryChange[] = []
  let nodes = [...(g.node ?? [])]
  const front: onnx.INodeProto[] = []
  const back: onnx.INodeProto[] = []
  let valueInfo = [...(g.valueInfo ?? [])]
  const elemOf = (v: onnx.IValueInfoProto) => v.type?.tensorType?.elemType ?? 0

  const inputs = (g.input ?? []).map((v) => {
    const from = SIXTEEN_BIT[elemOf(v)]
    if (!from || !v.name || initializers.has(v.name)) return v
    const name = v.name
    const inside = inner(name, taken)
    nodes = renameUses(nodes, name, inside)
    front.push(cast(name, inside, elemOf(v), `kontext_boundary/in/${name}`))
    changes.push({ side: 'input', name, from })
    return withElem(v, ELEM.float32)
  })

  const inputNames = new Set(inputs.map((v) => v.name))
  const outputs = (g.output ?? []).map((v) => {
    const from = SIXTEEN_BIT[elemOf(v)]
    if (!from || !v.name) return v
    const name = v.name
    if (inputNames.has(name) || initializers.has(name))
      throw new Error(`graph output ${name} is also an input or a weight; its boundary cannot be rewritten`)
    const inside = inner(name, taken)
    // The producer now writes the 16-bit value under the inner name; every reader follows it.
    nodes = renameUses(nodes, name, inside).map((n) =>
      (n.output ?? []).includes(name) ? { ...n, output: (n.output ?? []).map((x) => (x === name ? inside : x)) } : n,
    )
    valueInfo = valueInfo.map((vi) => (vi.name === name ? { ...vi, name: inside } : vi))
    back.push(cast(inside, name, ELEM.float32, `kontext_boundary/out/${name}`))
    changes.push({ side: 'output', name, from })
    return withElem(v, ELEM.float32)
  })

  if (!changes.length) return { model, changes }
  return {
    model: { ...model, graph: { ...g, input: inputs, output: outputs, valueInfo, node: [...front, ...nodes, ...back] } },
    changes,
  }
}

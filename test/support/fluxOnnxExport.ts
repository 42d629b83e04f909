/**
 * A stand-in for the published `FLUX.1-Kontext-dev-onnx` export, made from a small random
 * checkpoint folder: the same files (`clip.opt/model.onnx`, `t5.opt/model.onnx` +
 * `backbone.onnx_data`, `transformer.opt/bf16/model.onnx` + `backbone.onnx_data`, no VAE), the
 * same input/output names, ranks and dtypes as NVIDIA's demoDiffusion export (KONTEXT_PIPELINE.md
 * §10.2): bfloat16 at the text outputs and at the transformer's hidden_states,
 * encoder_hidden_states, pooled_projections, timestep and latent; int32 token ids; 2-D ids.
 *
 * What it is not: the published weights are bfloat16 and compute in bfloat16; here the weights
 * stay float32 behind Casts (the CPU provider has no bf16 Gemm/MatMul), so only the boundary
 * dtypes, names and file layout are the published ones. The wrapping is written here against
 * onnx-proto directly, independently of the engine's own boundary rewriter.
 */
import { closeSync, copyFileSync, cpSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import onnxProto, { type onnx } from 'onnx-proto'
import { buildComponent, type GraphComponent } from '../../engine/graph/components'
import { readerTensorSource } from '../../engine/graph/tensorSource'
import { openCheckpointFolder } from '../../engine/pipeline/checkpointFolder'
import { folderGraphSettings } from '../../engine/pipeline/checkpointModels'
import { fromFloat32 } from '../../engine/weights/dtypes'
import { openComponent } from '../../engine/weights/index'

const { ModelProto } = onnxProto.onnx
const FLOAT = 1
const INT32 = 6
const INT64 = 7
const BF16 = 16

type Dim = number | string
interface NewInput {
  name: string
  elem: number
  dims: Dim[]
  /** The built graph's input this one feeds, and how. */
  feeds: string
  via: 'Cast' | 'Unsqueeze0' | 'Identity'
}
interface NewOutput {
  name: string
  elem: number
  dims: Dim[]
  from: string
}

const valueInfo = (name: string, elem: number, dims: Dim[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
})

/** Replaces the built graph's boundary with the published one. */
function rebound(model: onnx.IModelProto, inputs: NewInput[], outputs: NewOutput[]): onnx.IModelProto {
  const g = model.graph!
  const old = new Set(inputs.map((i) => i.feeds))
  const inner = (n: string) => `standin/${n}`
  const nodes: onnx.INodeProto[] = (g.node ?? []).map((n) => ({
    ...n,
    input: (n.input ?? []).map((x) => (old.has(x) ? inner(x) : x)),
  }))
  const front: onnx.INodeProto[] = []
  const inits: onnx.ITensorProto[] = [...(g.initializer ?? [])]
  for (const i of inputs) {
    if (i.via === 'Cast')
      front.push({
        opType: 'Cast',
        input: [i.name],
        output: [inner(i.feeds)],
        attribute: [{ name: 'to', type: 2, i: i.feeds === 'input_ids' ? INT64 : FLOAT }],
      })
    else if (i.via === 'Identity') front.push({ opType: 'Identity', input: [i.name], output: [inner(i.feeds)] })
    else {
      const axes = `standin/axes0/${i.name}`
      inits.push({ name: axes, dims: [1], dataType: INT64, rawData: new Uint8Array(8) })
      front.push({ opType: 'Unsqueeze', input: [i.name, axes], output: [inner(i.feeds)] })
    }
  }
  const back: onnx.INodeProto[] = outputs.map((o) => ({
    opType: 'Cast',
    input: [o.from],
    output: [o.name],
    attribute: [{ name: 'to', type: 2, i: o.elem }],
  }))
  return {
    ...model,
    graph: {
      ...g,
      initializer: inits,
      input: inputs.map((i) => valueInfo(i.name, i.elem, i.dims)),
      output: outputs.map((o) => valueInfo(o.name, o.elem, o.dims)),
      node: [...front, ...nodes, ...back],
    },
  }
}

/** Built graph bytes, with weights of at least 1 KiB in `dir/backbone.onnx_data` when `external`. */
function builtBytes(component: GraphComponent, releaseDir: string, dir: string, external: boolean): Uint8Array {
  const folder = openCheckpointFolder(releaseDir)
  if (!folder.ok) throw new Error(folder.error.message)
  const part = { transformer: folder.value.parts.transformer, clip: folder.value.parts.clip, t5: folder.value.parts.t5 }[
    component as 'transformer' | 'clip' | 't5'
  ]
  const reader = openComponent(part)
  try {
    const built = buildComponent(component, readerTensorSource(reader), folderGraphSettings(folder.value))
    if (!external) return built.graph.toBytes()
    const fd = openSync(join(dir, 'backbone.onnx_data'), 'w')
    let offset = 0
    try {
      return built.graph.toBytesWithExternalData((_n, bytes) => {
        writeSync(fd, bytes, 0, bytes.byteLength, offset)
        const at = { location: 'backbone.onnx_data', offset, length: bytes.byteLength }
        offset += bytes.byteLength
        return at
      })
    } finally {
      closeSync(fd)
    }
  } finally {
    reader.close()
  }
}

function writeGraph(dir: string, model: onnx.IModelProto): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'model.onnx'), ModelProto.encode(model).finish())
}

const decode = (b: Uint8Array): onnx.IModelProto => ModelProto.decode(b)

/**
 * Writes the stand-in export for the checkpoint folder `releaseDir` (see fluxFolders.ts
 * `writeOfficialRelease`) into `exportDir`. `withAe` copies `ae.safetensors` in beside it and
 * `withTokenizers` the diffusers `tokenizer/` and `tokenizer_2/` folders — the published ONNX
 * repository has neither; users add them from the FLUX.1-Kontext-dev release.
 */
export function writeOnnxExportStandIn(
  releaseDir: string,
  exportDir: string,
  o: { withAe?: boolean; withTokenizers?: boolean } = {},
): string {
  const t = join(exportDir, 'transformer.opt/bf16')
  mkdirSync(t, { recursive: true })
  const transformer = rebound(
    decode(builtBytes('transformer', releaseDir, t, true)),
    [
      { name: 'hidden_states', elem: BF16, dims: ['B', 'latent_dim', 64], feeds: 'img', via: 'Cast' },
      { name: 'encoder_hidden_states', elem: BF16, dims: ['B', 512, 'context'], feeds: 'txt', via: 'Cast' },
      { name: 'pooled_projections', elem: BF16, dims: ['B', 'vec'], feeds: 'y', via: 'Cast' },
      { name: 'timestep', elem: BF16, dims: ['B'], feeds: 'timesteps', via: 'Cast' },
      { name: 'img_ids', elem: FLOAT, dims: ['latent_dim', 3], feeds: 'img_ids', via: 'Unsqueeze0' },
      { name: 'txt_ids', elem: FLOAT, dims: [512, 3], feeds: 'txt_ids', via: 'Unsqueeze0' },
      { name: 'guidance', elem: FLOAT, dims: ['B'], feeds: 'guidance', via: 'Identity' },
    ],
    [{ name: 'latent', elem: BF16, dims: ['B', 'latent_dim', 64], from: 'pred' }],
  )
  writeGraph(t, transformer)
  const t5dir = join(exportDir, 't5.opt')
  mkdirSync(t5dir, { recursive: true })
  writeGraph(
    t5dir,
    rebound(
      decode(builtBytes('t5', releaseDir, t5dir, true)),
      [{ name: 'input_ids', elem: INT32, dims: ['B', 512], feeds: 'input_ids', via: 'Cast' }],
      [{ name: 'text_embeddings', elem: BF16, dims: ['B', 512, 'hidden'], from: 'hidden' }],
    ),
  )
  writeGraph(
    join(exportDir, 'clip.opt'),
    rebound(
      decode(builtBytes('clip', releaseDir, exportDir, false)),
      [{ name: 'input_ids', elem: INT32, dims: ['B', 77], feeds: 'input_ids', via: 'Cast' }],
      [
        { name: 'text_embeddings', elem: BF16, dims: ['B', 77, 'hidden'], from: 'hidden' },
        { name: 'pooled_embeddings', elem: BF16, dims: ['B', 'hidden'], from: 'pooled' },
      ],
    ),
  )
  if (o.withAe) copyFileSync(join(releaseDir, 'ae.safetensors'), join(exportDir, 'ae.safetensors'))
  if (o.withTokenizers) for (const d of ['tokenizer', 'tokenizer_2']) cpSync(join(releaseDir, d), join(exportDir, d), { recursive: true })
  return exportDir
}

/**
 * y = x · W with W a 4×4 bfloat16 weight and the MatMul computing in bfloat16, float32 boundaries:
 * what the published weights are like for a provider without bf16 kernels. `weights` (16 values,
 * row-major, rounded to bf16) default to zeros; `external` puts W in `weights.bin` beside the graph.
 */
export function writeBf16WeightGraph(file: string, o: { weights?: readonly number[]; external?: boolean } = {}): void {
  const w = fromFloat32(o.weights ?? new Array<number>(16).fill(0), 'BF16')
  if (w.byteLength !== 32) throw new Error('writeBf16WeightGraph takes 16 weights')
  const weight: onnx.ITensorProto = o.external
    ? {
        name: 'w',
        dims: [4, 4],
        dataType: BF16,
        dataLocation: 1,
        externalData: [
          { key: 'location', value: 'weights.bin' },
          { key: 'offset', value: '0' },
          { key: 'length', value: '32' },
        ],
      }
    : { name: 'w', dims: [4, 4], dataType: BF16, rawData: w }
  if (o.external) writeFileSync(join(dirname(file), 'weights.bin'), w)
  const model: onnx.IModelProto = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bf16-weights',
      initializer: [weight],
      input: [valueInfo('x', FLOAT, ['B', 4])],
      output: [valueInfo('y', FLOAT, ['B', 4])],
      node: [
        { opType: 'Cast', input: ['x'], output: ['xb'], attribute: [{ name: 'to', type: 2, i: BF16 }] },
        { opType: 'MatMul', input: ['xb', 'w'], output: ['yb'] },
        { opType: 'Cast', input: ['yb'], output: ['y'], attribute: [{ name: 'to', type: 2, i: FLOAT }] },
      ],
    },
  }
  writeFileSync(file, ModelProto.encode(model).finish())
}

/**
 * `KontextModels` over ONNX sessions, driven entirely by the manifest: tensor names, dtypes,
 * id ranks and whether latent normalisation happens inside the graphs.
 */
import { err, ok, StudioError, type Result } from '../../core/result'
import { confineFile } from '../manifest/confine'
import type { ImagePlanes } from '../math/imagePlanes'
import { denormaliseLatent, normaliseLatent } from '../math/normalise'
import type { Latent } from '../math/packing'
import type { GraphSpec, ModelManifest, TensorSpec } from '../manifest/schema'
import { badModel, checkGraphIo } from '../manifest/validate'
import { graphLoadProblem, type LoadedSession, type TensorData } from '../sessions'
import { checkTokenizer, loadTokenizer, tokenizerProblemText, type PromptTokenizer } from '../tokenizer'
import type { ComponentPlacement } from '../../core/domain/engineTypes'
import type { KontextModels, PipelineConfig, TextEmbedding, VelocityInput } from './types'

/** float32 data as a tensor of the manifest's dtype (ints for token ids). */
function tensor(spec: TensorSpec, data: Float32Array | number[], dims: number[]): TensorData {
  if (dims.length !== spec.rank) throw new Error(`${spec.name}: built rank ${dims.length}, manifest rank ${spec.rank}`)
  switch (spec.dtype) {
    case 'float32':
      return { dtype: 'float32', data: data instanceof Float32Array ? data : Float32Array.from(data), dims }
    case 'int64':
      return { dtype: 'int64', data: BigInt64Array.from(Array.from(data, (v) => BigInt(Math.round(v)))), dims }
    case 'int32':
      return { dtype: 'int32', data: Int32Array.from(data), dims }
    default:
      // float16/bfloat16 boundaries are refused at load (the JS API cannot feed bf16; see the manifest docs).
      throw new Error(`${spec.name}: the engine feeds only float32/int32/int64 graph inputs, not ${spec.dtype}`)
  }
}

function output(out: Record<string, TensorData>, spec: TensorSpec): TensorData & { dtype: 'float32' } {
  const t = out[spec.name]
  if (!t) throw new Error(`graph output ${spec.name} is missing`)
  if (t.dtype !== 'float32') throw new Error(`graph output ${spec.name} is ${t.dtype}; the engine reads float32`)
  return t
}

/** Our component names as users read them: `text:t5` → `t5`, `vaeEncoder` → `vae-encoder`. */
const placementName = (component: string): string =>
  component.startsWith('text:') ? component.slice(5) : component.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)

/** Ids of rank 3 carry a batch dimension of 1 (BFL); rank 2 is (N, 3) (diffusers, exports). */
const idDims = (spec: TensorSpec, n: number) => (spec.rank === 3 ? [1, n, 3] : [n, 3])

export function pipelineConfig(m: ModelManifest): PipelineConfig {
  return {
    latentChannels: m.latent.channels,
    patch: m.latent.patch,
    downsample: m.latent.downsample,
    mu: m.schedule.mu,
    contextOffset: m.rope.contextOffset,
    maxContexts: m.rope.maxContexts,
    guidanceMode: m.guidance.mode,
    resolutions: m.resolutions,
    preview: m.latent.previewRgb ?? null,
  }
}

const tokenizerField = (i: number) => `components.textEncoders.${i}.tokenizer.file`

/**
 * Every problem of a model folder whose manifest is sound: each tokenizer and each graph (opened
 * on `pool`), all at once — what `kontext models validate` reports.
 */
export async function folderProblems(manifest: ModelManifest, dir: string, pool: SessionSource): Promise<string[]> {
  const problems: string[] = []
  const tokenizers = manifest.components.textEncoders.map((e, i) => {
    const r = checkTokenizer(dir, e.tokenizer, tokenizerField(i))
    if (!r.ok) problems.push(tokenizerProblemText(e.tokenizer, r.error))
    return r.ok ? r.value : null
  })
  const models = new OrtKontextModels(
    manifest,
    dir,
    pool,
    tokenizers.filter((t): t is PromptTokenizer => t !== null),
  )
  return [...problems, ...(await models.checkGraphs())]
}

/** Where sessions come from (a SessionPool; tests pass fakes that record feeds). */
export interface SessionSource {
  get(model: string, component: string, path: string): Promise<LoadedSession>
}

export class OrtKontextModels implements KontextModels {
  /** Milliseconds spent inside onnxruntime since the last reset (for JS-vs-ORT accounting). */
  ortMs = 0
  private readonly tokenizers: PromptTokenizer[]
  /** The provider each component's session opened on, in the order they were first used. */
  private readonly placed = new Map<string, string>()

  /**
   * Tokenizers load now (they are small), so a broken one is found when the folder is opened;
   * this throws its StudioError. `tokenizers` skips that (`models validate` checks them itself).
   */
  constructor(
    private readonly manifest: ModelManifest,
    private readonly dir: string,
    private readonly pool: SessionSource,
    tokenizers?: PromptTokenizer[],
  ) {
    this.tokenizers = tokenizers ?? manifest.components.textEncoders.map((e, i) => loadTokenizer(dir, e.tokenizer, tokenizerField(i)))
  }

  get vocabulary(): readonly string[] | null {
    return this.tokenizers.find((t) => t.vocabulary)?.vocabulary ?? null
  }

  /** Tokenises with every encoder's tokenizer; throws the tokenizer's StudioError (e.g. unknown words). */
  tokenize(prompt: string | null): number[][] {
    return this.tokenizers.map((t) => {
      if (prompt === null) return t.allPad()
      const r = t.encode(prompt)
      if (!r.ok) throw new StudioError(r.error)
      return r.value
    })
  }

  /** The manifest field that names a component's graph (for messages). */
  private field(component: string): string {
    if (!component.startsWith('text:')) return `components.${component}.file`
    const i = this.manifest.components.textEncoders.findIndex((e) => `text:${e.name}` === component)
    return `components.textEncoders.${i}.graph.file`
  }

  /** Opens one graph: confined to the folder, non-empty, loadable, and matching its declaration. */
  private async open(component: string, spec: GraphSpec): Promise<Result<LoadedSession, string[]>> {
    const field = this.field(component)
    const file = confineFile(this.dir, spec.file, field)
    if (!file.ok) return err([file.error])
    if (file.value.size === 0) return err([`${field}: graph “${spec.file}” is empty (0 bytes)`])
    let s: LoadedSession
    try {
      s = await this.pool.get(this.manifest.id, component, file.value.path)
    } catch (e) {
      if (e instanceof StudioError) throw e // the provider request itself is wrong: not this graph's fault
      return err([`${field}: graph “${spec.file}” ${graphLoadProblem(e)}`])
    }
    const problems = checkGraphIo(spec, s.io)
    return problems.length ? err(problems) : ok(s)
  }

  private async session(component: string, spec: GraphSpec): Promise<LoadedSession> {
    const r = await this.open(component, spec)
    if (!r.ok) throw new StudioError(badModel(this.dir, r.error))
    this.placed.set(placementName(component), r.value.provider)
    return r.value
  }

  /** Where each component ran (text encoders by their manifest names). */
  get placement(): ComponentPlacement[] {
    return [...this.placed].map(([component, provider]) => ({ component, provider }))
  }

  private async run(s: LoadedSession, feeds: Record<string, TensorData>) {
    const start = performance.now()
    try {
      return await s.run(feeds)
    } finally {
      this.ortMs += performance.now() - start
    }
  }

  /** Opens every graph and returns every problem of every graph (none: all sessions are ready). */
  async checkGraphs(): Promise<string[]> {
    const c = this.manifest.components
    const graphs: [string, GraphSpec][] = [
      ...c.textEncoders.map((e): [string, GraphSpec] => [`text:${e.name}`, e.graph]),
      ['transformer', c.transformer],
      ['vaeEncoder', c.vaeEncoder],
      ['vaeDecoder', c.vaeDecoder],
    ]
    const problems: string[] = []
    for (const [component, spec] of graphs) {
      const r = await this.open(component, spec)
      if (!r.ok) problems.push(...r.error)
    }
    return problems
  }

  /** Creates and checks every session now; every problem of every graph is reported at once. */
  async loadAll(): Promise<void> {
    const problems = await this.checkGraphs()
    if (problems.length) throw new StudioError(badModel(this.dir, problems))
  }

  async encodeText(prompt: string | null): Promise<TextEmbedding> {
    const ids = this.tokenize(prompt)
    let sequence: Float32Array | null = null
    let length = 0
    let dim = 0
    let pooled: Float32Array | null = null
    for (const [i, e] of this.manifest.components.textEncoders.entries()) {
      const tokens = ids[i]!
      const s = await this.session(`text:${e.name}`, e.graph)
      const out = await this.run(s, { [e.graph.inputs.tokens.name]: tensor(e.graph.inputs.tokens, tokens, [1, tokens.length]) })
      if (e.graph.outputs.sequence) {
        const t = output(out, e.graph.outputs.sequence)
        sequence = t.data
        length = t.dims[1]!
        dim = t.dims[2]!
      }
      if (e.graph.outputs.pooled) pooled = output(out, e.graph.outputs.pooled).data
    }
    if (!sequence || !pooled) throw new Error('the text encoders gave no sequence or no pooled output') // rules checked at load
    return { sequence, length, dim, pooled }
  }

  async encodeImage(image: ImagePlanes): Promise<Latent> {
    const g = this.manifest.components.vaeEncoder
    const s = await this.session('vaeEncoder', g)
    const out = output(
      await this.run(s, { [g.inputs.image.name]: tensor(g.inputs.image, image.data, [1, 3, image.height, image.width]) }),
      g.outputs.latent,
    )
    const [, channels, height, width] = out.dims as [number, number, number, number]
    const { scale, shift, normalisedInGraph } = this.manifest.latent
    return { data: normalisedInGraph ? out.data : normaliseLatent(out.data, scale, shift), channels, height, width }
  }

  async predictVelocity(input: VelocityInput): Promise<Float32Array> {
    const g = this.manifest.components.transformer
    const inp = g.inputs
    const s = await this.session('transformer', g)
    const n = input.img.count
    const feeds: Record<string, TensorData> = {
      [inp.img.name]: tensor(inp.img, input.img.data, [1, n, input.img.features]),
      [inp.imgIds.name]: tensor(inp.imgIds, input.imgIds, idDims(inp.imgIds, n)),
      [inp.txt.name]: tensor(inp.txt, input.text.sequence, [1, input.text.length, input.text.dim]),
      [inp.txtIds.name]: tensor(inp.txtIds, input.txtIds, idDims(inp.txtIds, input.text.length)),
      [inp.pooled.name]: tensor(inp.pooled, input.text.pooled, [1, input.text.pooled.length]),
      [inp.timestep.name]: tensor(inp.timestep, [input.timestep], [1]),
    }
    if (inp.guidance) feeds[inp.guidance.name] = tensor(inp.guidance, [input.guidance ?? 1], [1])
    return output(await this.run(s, feeds), g.outputs.velocity).data
  }

  async decode(latent: Latent): Promise<ImagePlanes> {
    const g = this.manifest.components.vaeDecoder
    const s = await this.session('vaeDecoder', g)
    const { scale, shift, normalisedInGraph } = this.manifest.latent
    const z = normalisedInGraph ? latent.data : denormaliseLatent(latent.data, scale, shift)
    const out = output(
      await this.run(s, { [g.inputs.latent.name]: tensor(g.inputs.latent, z, [1, latent.channels, latent.height, latent.width]) }),
      g.outputs.image,
    )
    const [, channels, height, width] = out.dims as [number, number, number, number]
    return { data: out.data, channels, height, width }
  }
}

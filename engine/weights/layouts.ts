/**
 * What each FLUX component's checkpoint looks like, by tensor name and shape, in each layout users
 * hold: BFL's (`src/flux/model.py`, `modules/layers.py`, `modules/autoencoder.py`), diffusers'
 * (`FluxTransformer2DModel`, `AutoencoderKL`), and transformers' (`CLIPTextModel`,
 * `T5EncoderModel`, which ComfyUI's single files also use). Sizes are read from the shapes, so a
 * tiny random checkpoint is checked by exactly the rules a full one is. Pure.
 */
import type { TensorInfo } from './safetensors'

export type ComponentKind = 'transformer' | 'autoencoder' | 'clip' | 't5'
export type LayoutName = 'bfl' | 'diffusers' | 'transformers'

/** The tensors of one component, names relative to the component (any file prefix stripped). */
export type TensorView = ReadonlyMap<string, TensorInfo>

export interface LayoutAnalysis {
  /** Sizes read from the shapes (hidden, depth, z_channels, …). */
  readonly dims: Record<string, number>
  /** What the checkpoint is, in words (e.g. the FLUX variant the shapes point to). */
  readonly variant: string
  /** Tensors the architecture needs that are absent. */
  readonly missing: string[]
  /** Tensors present with a shape other than the architecture needs: "name: [a,b] (expected [c,d])". */
  readonly misshapen: string[]
  /** Other findings that make it unusable for FLUX.1 Kontext [dev]. */
  readonly problems: string[]
  /** For the autoencoder: which halves are present. */
  readonly parts?: { encoder: boolean; decoder: boolean }
}

export interface LayoutDef {
  readonly kind: ComponentKind
  readonly layout: LayoutName
  /** Tensors only this layout has (any one suffices); the prefix before one in a file is the component's prefix. */
  readonly anchors: readonly string[]
  analyse(t: TensorView): LayoutAnalysis
}

const shapeOf = (t: TensorView, name: string): readonly number[] | undefined => t.get(name)?.shape
const dim = (t: TensorView, name: string, axis: number): number => shapeOf(t, name)?.[axis] ?? 0

/** Highest N + 1 over names `${prefix}N.…`. */
function countBlocks(t: TensorView, prefix: string): number {
  let n = 0
  for (const name of t.keys()) {
    if (!name.startsWith(prefix)) continue
    const i = Number.parseInt(name.slice(prefix.length), 10)
    if (Number.isInteger(i) && i >= 0 && i < 10_000) n = Math.max(n, i + 1)
  }
  return n
}

/** Collects missing/misshapen tensors against expectations (null shape: any). */
class Expect {
  readonly missing: string[] = []
  readonly misshapen: string[] = []
  constructor(private readonly t: TensorView) {}
  need(name: string, shape: readonly number[] | null = null): void {
    const s = shapeOf(this.t, name)
    if (!s) this.missing.push(name)
    else if (shape && (s.length !== shape.length || s.some((d, i) => d !== shape[i]))) {
      this.misshapen.push(`${name}: [${s.join(', ')}] (expected [${shape.join(', ')}])`)
    }
  }
  linear(name: string, out: number, inp: number, bias = true): void {
    this.need(`${name}.weight`, [out, inp])
    if (bias) this.need(`${name}.bias`, [out])
  }
  norm(name: string, c: number): void {
    this.need(`${name}.weight`, [c])
    this.need(`${name}.bias`, [c])
  }
  conv(name: string, out: number, inp: number | null, k: number): void {
    this.need(`${name}.weight`, inp === null ? null : [out, inp, k, k])
    this.need(`${name}.bias`, [out])
  }
}

/** The FLUX variant the transformer's input width and guidance embedding point to. */
function fluxVariant(inChannels: number, hasGuidance: boolean, problems: string[]): string {
  if (inChannels === 64 && hasGuidance) return 'guidance-distilled FLUX.1 (Kontext [dev] and FLUX.1 [dev] have identical tensors)'
  if (!hasGuidance) problems.push('it has no guidance embedding (FLUX.1 [schnell]-like); Kontext [dev] is guidance-distilled.')
  if (inChannels === 384) problems.push('it takes 384 input channels (FLUX.1 Fill); Kontext [dev] takes 64.')
  else if (inChannels === 128) problems.push('it takes 128 input channels (FLUX.1 Canny/Depth); Kontext [dev] takes 64.')
  else if (inChannels !== 64) problems.push(`it takes ${inChannels} input channels; Kontext [dev] takes 64.`)
  return hasGuidance ? 'FLUX.1 variant (guidance-distilled)' : 'FLUX.1 variant without guidance'
}

const bflTransformer: LayoutDef = {
  kind: 'transformer',
  layout: 'bfl',
  anchors: ['double_blocks.0.img_attn.qkv.weight'],
  analyse(t) {
    const h = dim(t, 'img_in.weight', 0)
    const inC = dim(t, 'img_in.weight', 1)
    const headDim = dim(t, 'double_blocks.0.img_attn.norm.query_norm.scale', 0)
    const mlp = dim(t, 'double_blocks.0.img_mlp.0.weight', 0)
    const ctx = dim(t, 'txt_in.weight', 1)
    const vec = dim(t, 'vector_in.in_layer.weight', 1)
    const outC = dim(t, 'final_layer.linear.weight', 0)
    const depth = countBlocks(t, 'double_blocks.')
    const depthSingle = countBlocks(t, 'single_blocks.')
    const guidance = t.has('guidance_in.in_layer.weight')
    const e = new Expect(t)
    e.linear('img_in', h, inC)
    e.linear('txt_in', h, ctx)
    e.linear('time_in.in_layer', h, 256)
    e.linear('time_in.out_layer', h, h)
    e.linear('vector_in.in_layer', h, vec)
    e.linear('vector_in.out_layer', h, h)
    if (guidance) {
      e.linear('guidance_in.in_layer', h, 256)
      e.linear('guidance_in.out_layer', h, h)
    }
    for (let i = 0; i < depth; i++) {
      for (const s of ['img', 'txt']) {
        const p = `double_blocks.${i}.${s}_`
        e.linear(`${p}mod.lin`, 6 * h, h)
        e.linear(`${p}attn.qkv`, 3 * h, h)
        e.need(`${p}attn.norm.query_norm.scale`, [headDim])
        e.need(`${p}attn.norm.key_norm.scale`, [headDim])
        e.linear(`${p}attn.proj`, h, h)
        e.linear(`${p}mlp.0`, mlp, h)
        e.linear(`${p}mlp.2`, h, mlp)
      }
    }
    for (let i = 0; i < depthSingle; i++) {
      const p = `single_blocks.${i}.`
      e.linear(`${p}linear1`, 3 * h + mlp, h)
      e.linear(`${p}linear2`, h, h + mlp)
      e.need(`${p}norm.query_norm.scale`, [headDim])
      e.need(`${p}norm.key_norm.scale`, [headDim])
      e.linear(`${p}modulation.lin`, 3 * h, h)
    }
    e.linear('final_layer.linear', outC, h)
    e.linear('final_layer.adaLN_modulation.1', 2 * h, h)
    const problems: string[] = []
    if (depthSingle === 0) problems.push('it has no single-stream blocks.')
    if (headDim === 0 || h % headDim !== 0) problems.push('its attention head size cannot be read from the q/k norms.')
    const variant = fluxVariant(inC, guidance, problems)
    const heads = headDim ? h / headDim : 0
    return {
      dims: {
        hidden: h,
        heads,
        headDim,
        mlpHidden: mlp,
        depth,
        depthSingle,
        inChannels: inC,
        outChannels: outC,
        contextIn: ctx,
        vecIn: vec,
      },
      variant,
      problems,
      missing: e.missing,
      misshapen: e.misshapen,
    }
  },
}

const diffusersTransformer: LayoutDef = {
  kind: 'transformer',
  layout: 'diffusers',
  anchors: ['transformer_blocks.0.attn.add_q_proj.weight'],
  analyse(t) {
    const h = dim(t, 'x_embedder.weight', 0)
    const inC = dim(t, 'x_embedder.weight', 1)
    const headDim = dim(t, 'transformer_blocks.0.attn.norm_q.weight', 0)
    const mlp = dim(t, 'transformer_blocks.0.ff.net.0.proj.weight', 0)
    const ctx = dim(t, 'context_embedder.weight', 1)
    const vec = dim(t, 'time_text_embed.text_embedder.linear_1.weight', 1)
    const outC = dim(t, 'proj_out.weight', 0)
    const depth = countBlocks(t, 'transformer_blocks.')
    const depthSingle = countBlocks(t, 'single_transformer_blocks.')
    const guidance = t.has('time_text_embed.guidance_embedder.linear_1.weight')
    const e = new Expect(t)
    e.linear('x_embedder', h, inC)
    e.linear('context_embedder', h, ctx)
    e.linear('time_text_embed.timestep_embedder.linear_1', h, 256)
    e.linear('time_text_embed.timestep_embedder.linear_2', h, h)
    e.linear('time_text_embed.text_embedder.linear_1', h, vec)
    e.linear('time_text_embed.text_embedder.linear_2', h, h)
    if (guidance) {
      e.linear('time_text_embed.guidance_embedder.linear_1', h, 256)
      e.linear('time_text_embed.guidance_embedder.linear_2', h, h)
    }
    for (let i = 0; i < depth; i++) {
      const p = `transformer_blocks.${i}.`
      e.linear(`${p}norm1.linear`, 6 * h, h)
      e.linear(`${p}norm1_context.linear`, 6 * h, h)
      for (const q of ['to_q', 'to_k', 'to_v', 'add_q_proj', 'add_k_proj', 'add_v_proj']) e.linear(`${p}attn.${q}`, h, h)
      for (const n of ['norm_q', 'norm_k', 'norm_added_q', 'norm_added_k']) e.need(`${p}attn.${n}.weight`, [headDim])
      e.linear(`${p}attn.to_out.0`, h, h)
      e.linear(`${p}attn.to_add_out`, h, h)
      for (const f of ['ff', 'ff_context']) {
        e.linear(`${p}${f}.net.0.proj`, mlp, h)
        e.linear(`${p}${f}.net.2`, h, mlp)
      }
    }
    for (let i = 0; i < depthSingle; i++) {
      const p = `single_transformer_blocks.${i}.`
      e.linear(`${p}norm.linear`, 3 * h, h)
      for (const q of ['to_q', 'to_k', 'to_v']) e.linear(`${p}attn.${q}`, h, h)
      e.need(`${p}attn.norm_q.weight`, [headDim])
      e.need(`${p}attn.norm_k.weight`, [headDim])
      e.linear(`${p}proj_mlp`, mlp, h)
      e.linear(`${p}proj_out`, h, h + mlp)
    }
    e.linear('norm_out.linear', 2 * h, h)
    e.linear('proj_out', outC, h)
    const problems: string[] = []
    if (depthSingle === 0) problems.push('it has no single-stream blocks.')
    if (headDim === 0 || h % headDim !== 0) problems.push('its attention head size cannot be read from the q/k norms.')
    const variant = fluxVariant(inC, guidance, problems)
    const heads = headDim ? h / headDim : 0
    return {
      dims: {
        hidden: h,
        heads,
        headDim,
        mlpHidden: mlp,
        depth,
        depthSingle,
        inChannels: inC,
        outChannels: outC,
        contextIn: ctx,
        vecIn: vec,
      },
      variant,
      problems,
      missing: e.missing,
      misshapen: e.misshapen,
    }
  },
}

export { bflTransformer, diffusersTransformer, countBlocks, dim, Expect }

/**
 * A diffusers-layout checkpoint seen through BFL's names, so the graph builders (which read BFL's
 * layout) build the diffusers `transformer/` and `vae/` folders too. The mapping is the inverse of
 * diffusers' `convert_flux_to_diffusers.py` and of its AutoencoderKL conversion:
 *
 * - transformer: separate q/k/v (and the single blocks' `proj_mlp`) are concatenated into BFL's
 *   fused `qkv` / `linear1` rows; `norm_out.linear` holds [scale; shift] where BFL's
 *   `final_layer.adaLN_modulation.1` holds [shift; scale], so its halves are swapped back;
 * - autoencoder: `down_blocks`/`up_blocks`/`mid_block` renamed (diffusers numbers `up_blocks` from
 *   the latent side, BFL's `up` from the image side), `conv_shortcut` → `nin_shortcut`, and the
 *   mid attention's Linear q/k/v/out `[C, C]` become BFL's 1×1 convolutions `[C, C, 1, 1]`.
 *
 * Weights are still read only when a builder asks for them (a concatenation reads its parts then).
 */
import type { SourceTensor, TensorSource } from './tensorSource'

interface Recipe {
  readonly shape: readonly number[]
  readonly read: () => SourceTensor
}

const concatRows = (src: TensorSource, parts: readonly string[]): Recipe | undefined => {
  const shapes = parts.map((p) => src.shape(p))
  if (shapes.some((s) => !s)) return undefined
  const rest = shapes[0]!.slice(1)
  const rows = shapes.reduce((n, s) => n + s![0]!, 0)
  return {
    shape: [rows, ...rest],
    read() {
      const ts = parts.map((p) => src.get(p))
      const data = new Float32Array(ts.reduce((n, t) => n + t.data.length, 0))
      let at = 0
      for (const t of ts) {
        data.set(t.data, at)
        at += t.data.length
      }
      return { dtype: ts[0]!.dtype, shape: [rows, ...rest], data }
    },
  }
}

const renamed = (src: TensorSource, name: string, reshape?: (s: readonly number[]) => readonly number[]): Recipe | undefined => {
  const s = src.shape(name)
  if (!s) return undefined
  const shape = reshape ? reshape(s) : s
  return {
    shape,
    read: () => {
      const t = src.get(name)
      return { ...t, shape }
    },
  }
}

/** [a; b] → [b; a] along the first axis (the final modulation's scale/shift). */
const swapHalves = (src: TensorSource, name: string): Recipe | undefined => {
  const s = src.shape(name)
  if (!s) return undefined
  return {
    shape: s,
    read() {
      const t = src.get(name)
      const half = t.data.length / 2
      const data = new Float32Array(t.data.length)
      data.set(t.data.subarray(half), 0)
      data.set(t.data.subarray(0, half), half)
      return { ...t, data }
    },
  }
}

function transformerRecipes(src: TensorSource): Map<string, Recipe | undefined> {
  const m = new Map<string, Recipe | undefined>()
  const wb = (bfl: string, make: (suffix: 'weight' | 'bias') => Recipe | undefined) => {
    for (const s of ['weight', 'bias'] as const) m.set(`${bfl}.${s}`, make(s))
  }
  const lin = (bfl: string, d: string) => wb(bfl, (s) => renamed(src, `${d}.${s}`))
  lin('img_in', 'x_embedder')
  lin('txt_in', 'context_embedder')
  lin('time_in.in_layer', 'time_text_embed.timestep_embedder.linear_1')
  lin('time_in.out_layer', 'time_text_embed.timestep_embedder.linear_2')
  lin('vector_in.in_layer', 'time_text_embed.text_embedder.linear_1')
  lin('vector_in.out_layer', 'time_text_embed.text_embedder.linear_2')
  if (src.shape('time_text_embed.guidance_embedder.linear_1.weight')) {
    lin('guidance_in.in_layer', 'time_text_embed.guidance_embedder.linear_1')
    lin('guidance_in.out_layer', 'time_text_embed.guidance_embedder.linear_2')
  }
  const blocks = (prefix: string) =>
    new Set(src.names().flatMap((n) => (n.startsWith(prefix) ? [n.slice(prefix.length).split('.')[0]!] : [])))
  for (const i of blocks('transformer_blocks.')) {
    const d = `transformer_blocks.${i}.`
    const b = `double_blocks.${i}.`
    lin(`${b}img_mod.lin`, `${d}norm1.linear`)
    lin(`${b}txt_mod.lin`, `${d}norm1_context.linear`)
    wb(`${b}img_attn.qkv`, (s) =>
      concatRows(
        src,
        ['to_q', 'to_k', 'to_v'].map((q) => `${d}attn.${q}.${s}`),
      ),
    )
    wb(`${b}txt_attn.qkv`, (s) =>
      concatRows(
        src,
        ['add_q_proj', 'add_k_proj', 'add_v_proj'].map((q) => `${d}attn.${q}.${s}`),
      ),
    )
    m.set(`${b}img_attn.norm.query_norm.scale`, renamed(src, `${d}attn.norm_q.weight`))
    m.set(`${b}img_attn.norm.key_norm.scale`, renamed(src, `${d}attn.norm_k.weight`))
    m.set(`${b}txt_attn.norm.query_norm.scale`, renamed(src, `${d}attn.norm_added_q.weight`))
    m.set(`${b}txt_attn.norm.key_norm.scale`, renamed(src, `${d}attn.norm_added_k.weight`))
    lin(`${b}img_attn.proj`, `${d}attn.to_out.0`)
    lin(`${b}txt_attn.proj`, `${d}attn.to_add_out`)
    lin(`${b}img_mlp.0`, `${d}ff.net.0.proj`)
    lin(`${b}img_mlp.2`, `${d}ff.net.2`)
    lin(`${b}txt_mlp.0`, `${d}ff_context.net.0.proj`)
    lin(`${b}txt_mlp.2`, `${d}ff_context.net.2`)
  }
  for (const i of blocks('single_transformer_blocks.')) {
    const d = `single_transformer_blocks.${i}.`
    const b = `single_blocks.${i}.`
    wb(`${b}linear1`, (s) => concatRows(src, [`${d}attn.to_q.${s}`, `${d}attn.to_k.${s}`, `${d}attn.to_v.${s}`, `${d}proj_mlp.${s}`]))
    lin(`${b}linear2`, `${d}proj_out`)
    m.set(`${b}norm.query_norm.scale`, renamed(src, `${d}attn.norm_q.weight`))
    m.set(`${b}norm.key_norm.scale`, renamed(src, `${d}attn.norm_k.weight`))
    lin(`${b}modulation.lin`, `${d}norm.linear`)
  }
  lin('final_layer.linear', 'proj_out')
  wb('final_layer.adaLN_modulation.1', (s) => swapHalves(src, `norm_out.linear.${s}`))
  return m
}

function autoencoderRecipes(src: TensorSource): Map<string, Recipe | undefined> {
  const m = new Map<string, Recipe | undefined>()
  const conv1x1 = (s: readonly number[]) => (s.length === 2 ? [...s, 1, 1] : s)
  const wb = (bfl: string, d: string, reshape?: (s: readonly number[]) => readonly number[]) => {
    for (const s of ['weight', 'bias']) m.set(`${bfl}.${s}`, renamed(src, `${d}.${s}`, s === 'weight' ? reshape : undefined))
  }
  const resnet = (bfl: string, d: string) => {
    for (const p of ['norm1', 'conv1', 'norm2', 'conv2']) wb(`${bfl}.${p}`, `${d}.${p}`)
    wb(`${bfl}.nin_shortcut`, `${d}.conv_shortcut`)
  }
  const mid = (side: string) => {
    resnet(`${side}.mid.block_1`, `${side}.mid_block.resnets.0`)
    wb(`${side}.mid.attn_1.norm`, `${side}.mid_block.attentions.0.group_norm`)
    for (const [b, d] of [
      ['q', 'to_q'],
      ['k', 'to_k'],
      ['v', 'to_v'],
      ['proj_out', 'to_out.0'],
    ] as const)
      wb(`${side}.mid.attn_1.${b}`, `${side}.mid_block.attentions.0.${d}`, conv1x1)
    resnet(`${side}.mid.block_2`, `${side}.mid_block.resnets.1`)
  }
  const indices = (prefix: string) =>
    [...new Set(src.names().flatMap((n) => (n.startsWith(prefix) ? [Number(n.slice(prefix.length).split('.')[0])] : [])))].sort(
      (a, b) => a - b,
    )
  for (const side of ['encoder', 'decoder']) {
    wb(`${side}.conv_in`, `${side}.conv_in`)
    wb(`${side}.norm_out`, `${side}.conv_norm_out`)
    wb(`${side}.conv_out`, `${side}.conv_out`)
    mid(side)
  }
  for (const l of indices('encoder.down_blocks.')) {
    for (const r of indices(`encoder.down_blocks.${l}.resnets.`))
      resnet(`encoder.down.${l}.block.${r}`, `encoder.down_blocks.${l}.resnets.${r}`)
    wb(`encoder.down.${l}.downsample.conv`, `encoder.down_blocks.${l}.downsamplers.0.conv`)
  }
  const ups = indices('decoder.up_blocks.')
  for (const i of ups) {
    const l = ups.length - 1 - i
    for (const r of indices(`decoder.up_blocks.${i}.resnets.`)) resnet(`decoder.up.${l}.block.${r}`, `decoder.up_blocks.${i}.resnets.${r}`)
    wb(`decoder.up.${l}.upsample.conv`, `decoder.up_blocks.${i}.upsamplers.0.conv`)
  }
  return m
}

/** `src` (a diffusers transformer or AutoencoderKL, prefix stripped) under BFL's tensor names. */
export function bflNamesFromDiffusers(src: TensorSource, kind: 'transformer' | 'autoencoder'): TensorSource {
  const all = kind === 'transformer' ? transformerRecipes(src) : autoencoderRecipes(src)
  const recipes = new Map([...all].filter((e): e is [string, Recipe] => e[1] !== undefined))
  return {
    names: () => [...recipes.keys()],
    shape: (name) => recipes.get(name)?.shape,
    get(name) {
      const r = recipes.get(name)
      if (!r) throw new Error(`the checkpoint has no tensor ${name}`)
      return r.read()
    },
  }
}

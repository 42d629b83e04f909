/**
 * Small random FLUX checkpoints in every layout users hold, for tests and for the graph builder's
 * conformance runs. Tensor names are spelled here from the public references (BFL `src/flux/model.py`,
 * `modules/layers.py`, `modules/autoencoder.py`; diffusers `convert_flux_to_diffusers.py`,
 * `AutoencoderKL`; transformers `CLIPTextModel`, `T5EncoderModel`) — deliberately not taken from
 * the engine's detection tables, so a wrong name there fails a test. Shapes follow the real
 * architecture at tiny sizes (GroupNorm widths stay multiples of 32). Values are seeded: the same
 * call writes the same bytes.
 */
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { DTYPE_BYTES, type Dtype } from '../../engine/weights/dtypes'
import { writeSafetensors, type TensorToWrite } from '../../engine/weights/writer'

export interface TransformerDims {
  hidden: number
  heads: number
  mlpRatio: number
  depth: number
  depthSingle: number
  inChannels: number
  contextIn: number
  vecIn: number
  guidance: boolean
}
export interface AeDims {
  ch: number
  chMult: number[]
  resBlocks: number
  zChannels: number
}
export interface ClipDims {
  hidden: number
  layers: number
  ff: number
  vocab: number
  positions: number
}
export interface T5Dims {
  dModel: number
  heads: number
  dKv: number
  ff: number
  blocks: number
  vocab: number
  buckets: number
}
/** FLUX.1 Kontext [dev]'s published sizes (`flux-dev-kontext`, `AutoEncoderParams`, CLIP-L, T5 v1.1 XXL). */
export const FULL = {
  transformer: {
    hidden: 3072,
    heads: 24,
    mlpRatio: 4,
    depth: 19,
    depthSingle: 38,
    inChannels: 64,
    contextIn: 4096,
    vecIn: 768,
    guidance: true,
  } as TransformerDims,
  ae: { ch: 128, chMult: [1, 2, 4, 4], resBlocks: 2, zChannels: 16 } as AeDims,
  clip: { hidden: 768, layers: 12, ff: 3072, vocab: 49408, positions: 77 } as ClipDims,
  t5: { dModel: 4096, heads: 64, dKv: 64, ff: 10240, blocks: 24, vocab: 32128, buckets: 32 } as T5Dims,
}
/** Tiny sizes that keep every rule of the real ones (head dim 16 = RoPE axes 4+6+6). */
export const TINY = {
  transformer: {
    hidden: 32,
    heads: 2,
    mlpRatio: 4,
    depth: 2,
    depthSingle: 2,
    inChannels: 64,
    contextIn: 32,
    vecIn: 16,
    guidance: true,
  } as TransformerDims,
  ae: { ch: 32, chMult: [1, 2], resBlocks: 1, zChannels: 16 } as AeDims,
  clip: { hidden: 16, layers: 2, ff: 64, vocab: 49408, positions: 77 } as ClipDims,
  t5: { dModel: 32, heads: 4, dKv: 8, ff: 64, blocks: 2, vocab: 256, buckets: 32 } as T5Dims,
}

type Spec = [name: string, shape: number[]]
const lin = (name: string, out: number, inp: number, bias = true): Spec[] => [
  [`${name}.weight`, [out, inp]],
  ...(bias ? [[`${name}.bias`, [out]] as Spec] : []),
]
const norm = (name: string, c: number): Spec[] => [
  [`${name}.weight`, [c]],
  [`${name}.bias`, [c]],
]
const conv = (name: string, out: number, inp: number, k: number): Spec[] => [
  [`${name}.weight`, [out, inp, k, k]],
  [`${name}.bias`, [out]],
]

export function bflTransformerSpecs(d: TransformerDims): Spec[] {
  const h = d.hidden
  const mlp = h * d.mlpRatio
  const hd = h / d.heads
  const s: Spec[] = [...lin('img_in', h, d.inChannels), ...lin('time_in.in_layer', h, 256), ...lin('time_in.out_layer', h, h)]
  s.push(...lin('vector_in.in_layer', h, d.vecIn), ...lin('vector_in.out_layer', h, h))
  if (d.guidance) s.push(...lin('guidance_in.in_layer', h, 256), ...lin('guidance_in.out_layer', h, h))
  s.push(...lin('txt_in', h, d.contextIn))
  for (let i = 0; i < d.depth; i++) {
    for (const x of ['img', 'txt']) {
      const p = `double_blocks.${i}.${x}_`
      s.push(...lin(`${p}mod.lin`, 6 * h, h), ...lin(`${p}attn.qkv`, 3 * h, h))
      s.push([`${p}attn.norm.query_norm.scale`, [hd]], [`${p}attn.norm.key_norm.scale`, [hd]])
      s.push(...lin(`${p}attn.proj`, h, h), ...lin(`${p}mlp.0`, mlp, h), ...lin(`${p}mlp.2`, h, mlp))
    }
  }
  for (let i = 0; i < d.depthSingle; i++) {
    const p = `single_blocks.${i}.`
    s.push(...lin(`${p}linear1`, 3 * h + mlp, h), ...lin(`${p}linear2`, h, h + mlp))
    s.push([`${p}norm.query_norm.scale`, [hd]], [`${p}norm.key_norm.scale`, [hd]], ...lin(`${p}modulation.lin`, 3 * h, h))
  }
  s.push(...lin('final_layer.linear', d.inChannels, h), ...lin('final_layer.adaLN_modulation.1', 2 * h, h))
  return s
}

export function diffusersTransformerSpecs(d: TransformerDims): Spec[] {
  const h = d.hidden
  const mlp = h * d.mlpRatio
  const hd = h / d.heads
  const s: Spec[] = [...lin('x_embedder', h, d.inChannels), ...lin('context_embedder', h, d.contextIn)]
  s.push(...lin('time_text_embed.timestep_embedder.linear_1', h, 256), ...lin('time_text_embed.timestep_embedder.linear_2', h, h))
  s.push(...lin('time_text_embed.text_embedder.linear_1', h, d.vecIn), ...lin('time_text_embed.text_embedder.linear_2', h, h))
  if (d.guidance)
    s.push(...lin('time_text_embed.guidance_embedder.linear_1', h, 256), ...lin('time_text_embed.guidance_embedder.linear_2', h, h))
  for (let i = 0; i < d.depth; i++) {
    const p = `transformer_blocks.${i}.`
    s.push(...lin(`${p}norm1.linear`, 6 * h, h), ...lin(`${p}norm1_context.linear`, 6 * h, h))
    for (const q of ['to_q', 'to_k', 'to_v', 'add_q_proj', 'add_k_proj', 'add_v_proj']) s.push(...lin(`${p}attn.${q}`, h, h))
    for (const n of ['norm_q', 'norm_k', 'norm_added_q', 'norm_added_k']) s.push([`${p}attn.${n}.weight`, [hd]])
    s.push(...lin(`${p}attn.to_out.0`, h, h), ...lin(`${p}attn.to_add_out`, h, h))
    s.push(
      ...lin(`${p}ff.net.0.proj`, mlp, h),
      ...lin(`${p}ff.net.2`, h, mlp),
      ...lin(`${p}ff_context.net.0.proj`, mlp, h),
      ...lin(`${p}ff_context.net.2`, h, mlp),
    )
  }
  for (let i = 0; i < d.depthSingle; i++) {
    const p = `single_transformer_blocks.${i}.`
    s.push(...lin(`${p}norm.linear`, 3 * h, h), ...lin(`${p}attn.to_q`, h, h), ...lin(`${p}attn.to_k`, h, h), ...lin(`${p}attn.to_v`, h, h))
    s.push(
      [`${p}attn.norm_q.weight`, [hd]],
      [`${p}attn.norm_k.weight`, [hd]],
      ...lin(`${p}proj_mlp`, mlp, h),
      ...lin(`${p}proj_out`, h, h + mlp),
    )
  }
  s.push(...lin('norm_out.linear', 2 * h, h), ...lin('proj_out', d.inChannels, h))
  return s
}

/** BFL's Encoder/Decoder (`modules/autoencoder.py`); `parts` drops a half to test its absence. */
export function bflAutoencoderSpecs(d: AeDims, parts = { encoder: true, decoder: true }): Spec[] {
  const s: Spec[] = []
  const res = (p: string, i: number, o: number) => {
    s.push(...norm(`${p}.norm1`, i), ...conv(`${p}.conv1`, o, i, 3), ...norm(`${p}.norm2`, o), ...conv(`${p}.conv2`, o, o, 3))
    if (i !== o) s.push(...conv(`${p}.nin_shortcut`, o, i, 1))
  }
  const mid = (side: string, c: number) => {
    res(`${side}.mid.block_1`, c, c)
    s.push(...norm(`${side}.mid.attn_1.norm`, c))
    for (const q of ['q', 'k', 'v', 'proj_out']) s.push(...conv(`${side}.mid.attn_1.${q}`, c, c, 1))
    res(`${side}.mid.block_2`, c, c)
  }
  const L = d.chMult.length
  const top = d.ch * d.chMult[L - 1]!
  if (parts.encoder) {
    s.push(...conv('encoder.conv_in', d.ch, 3, 3))
    let cin = d.ch
    for (let l = 0; l < L; l++) {
      const cout = d.ch * d.chMult[l]!
      for (let r = 0; r < d.resBlocks; r++) {
        res(`encoder.down.${l}.block.${r}`, cin, cout)
        cin = cout
      }
      if (l !== L - 1) s.push(...conv(`encoder.down.${l}.downsample.conv`, cout, cout, 3))
    }
    mid('encoder', top)
    s.push(...norm('encoder.norm_out', top), ...conv('encoder.conv_out', 2 * d.zChannels, top, 3))
  }
  if (parts.decoder) {
    s.push(...conv('decoder.conv_in', top, d.zChannels, 3))
    mid('decoder', top)
    let cin = top
    for (let l = L - 1; l >= 0; l--) {
      const cout = d.ch * d.chMult[l]!
      for (let r = 0; r < d.resBlocks + 1; r++) {
        res(`decoder.up.${l}.block.${r}`, cin, cout)
        cin = cout
      }
      if (l !== 0) s.push(...conv(`decoder.up.${l}.upsample.conv`, cout, cout, 3))
    }
    s.push(...norm('decoder.norm_out', d.ch), ...conv('decoder.conv_out', 3, d.ch, 3))
  }
  return s
}

/** diffusers `AutoencoderKL` with FLUX's config (no quant convs; up_blocks numbered from the latent side). */
export function diffusersAutoencoderSpecs(d: AeDims): Spec[] {
  const s: Spec[] = []
  const res = (p: string, i: number, o: number) => {
    s.push(...norm(`${p}.norm1`, i), ...conv(`${p}.conv1`, o, i, 3), ...norm(`${p}.norm2`, o), ...conv(`${p}.conv2`, o, o, 3))
    if (i !== o) s.push(...conv(`${p}.conv_shortcut`, o, i, 1))
  }
  const mid = (side: string, c: number) => {
    res(`${side}.mid_block.resnets.0`, c, c)
    s.push(...norm(`${side}.mid_block.attentions.0.group_norm`, c))
    for (const q of ['to_q', 'to_k', 'to_v', 'to_out.0']) s.push(...lin(`${side}.mid_block.attentions.0.${q}`, c, c))
    res(`${side}.mid_block.resnets.1`, c, c)
  }
  const L = d.chMult.length
  const top = d.ch * d.chMult[L - 1]!
  s.push(...conv('encoder.conv_in', d.ch, 3, 3))
  let cin = d.ch
  for (let l = 0; l < L; l++) {
    const cout = d.ch * d.chMult[l]!
    for (let r = 0; r < d.resBlocks; r++) {
      res(`encoder.down_blocks.${l}.resnets.${r}`, cin, cout)
      cin = cout
    }
    if (l !== L - 1) s.push(...conv(`encoder.down_blocks.${l}.downsamplers.0.conv`, cout, cout, 3))
  }
  mid('encoder', top)
  s.push(...norm('encoder.conv_norm_out', top), ...conv('encoder.conv_out', 2 * d.zChannels, top, 3))
  s.push(...conv('decoder.conv_in', top, d.zChannels, 3))
  mid('decoder', top)
  cin = top
  for (let i = 0; i < L; i++) {
    const cout = d.ch * d.chMult[L - 1 - i]!
    for (let r = 0; r < d.resBlocks + 1; r++) {
      res(`decoder.up_blocks.${i}.resnets.${r}`, cin, cout)
      cin = cout
    }
    if (i !== L - 1) s.push(...conv(`decoder.up_blocks.${i}.upsamplers.0.conv`, cout, cout, 3))
  }
  s.push(...norm('decoder.conv_norm_out', d.ch), ...conv('decoder.conv_out', 3, d.ch, 3))
  return s
}

/** transformers `CLIPTextModel` (what `text_encoder/` and ComfyUI's clip_l.safetensors hold). */
export function clipTextSpecs(d: ClipDims): Spec[] {
  const h = d.hidden
  const s: Spec[] = [
    ['text_model.embeddings.token_embedding.weight', [d.vocab, h]],
    ['text_model.embeddings.position_embedding.weight', [d.positions, h]],
  ]
  for (let i = 0; i < d.layers; i++) {
    const p = `text_model.encoder.layers.${i}.`
    for (const q of ['k_proj', 'v_proj', 'q_proj', 'out_proj']) s.push(...lin(`${p}self_attn.${q}`, h, h))
    s.push(...norm(`${p}layer_norm1`, h), ...lin(`${p}mlp.fc1`, d.ff, h), ...lin(`${p}mlp.fc2`, h, d.ff), ...norm(`${p}layer_norm2`, h))
  }
  s.push(...norm('text_model.final_layer_norm', h))
  return s
}

/** transformers `T5EncoderModel` (T5 v1.1: gated-GELU feed-forward, no biases, relative bias in block 0). */
export function t5EncoderSpecs(d: T5Dims): Spec[] {
  const inner = d.heads * d.dKv
  const s: Spec[] = [
    ['shared.weight', [d.vocab, d.dModel]],
    ['encoder.embed_tokens.weight', [d.vocab, d.dModel]],
  ]
  for (let i = 0; i < d.blocks; i++) {
    const p = `encoder.block.${i}.layer.`
    for (const q of ['q', 'k', 'v']) s.push(...lin(`${p}0.SelfAttention.${q}`, inner, d.dModel, false))
    s.push(...lin(`${p}0.SelfAttention.o`, d.dModel, inner, false))
    if (i === 0) s.push([`${p}0.SelfAttention.relative_attention_bias.weight`, [d.buckets, d.heads]])
    s.push([`${p}0.layer_norm.weight`, [d.dModel]])
    s.push(...lin(`${p}1.DenseReluDense.wi_0`, d.ff, d.dModel, false), ...lin(`${p}1.DenseReluDense.wi_1`, d.ff, d.dModel, false))
    s.push(...lin(`${p}1.DenseReluDense.wo`, d.dModel, d.ff, false), [`${p}1.layer_norm.weight`, [d.dModel]])
  }
  s.push(['encoder.final_layer_norm.weight', [d.dModel]])
  return s
}

/** Deterministic values from a name-seeded generator: norms near 1, biases small, weights ~ N(0, 1/fan_in). */
function valuesFor(name: string, shape: number[], seed: number): Float32Array {
  let h = seed >>> 0
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
  const rand = () => {
    h = (h + 0x6d2b79f5) >>> 0
    let t = h
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const n = shape.reduce((a, b) => a * b, 1)
  const out = new Float32Array(n)
  const isNorm = /norm|\.scale$/.test(name) && shape.length === 1 && !name.endsWith('.bias')
  const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 1
  const std = name.endsWith('.bias') ? 0.02 : 1 / Math.sqrt(fanIn)
  for (let i = 0; i < n; i++) {
    const u = rand() + rand() + rand() - 1.5 // ≈ N(0, 0.25)
    out[i] = isNorm ? 1 + 0.1 * u : 2 * std * u
  }
  return out
}

export interface WriteOptions {
  dtype?: Dtype
  seed?: number
  /** Name prefix (ComfyUI all-in-one checkpoints: `model.diffusion_model.`, `vae.`, …). */
  prefix?: string
  /** fp8 weights with ComfyUI-style per-tensor `scale_weight` tensors (2-D weights only). */
  fp8Scaled?: boolean
  /** Tensors to leave out (a broken download). */
  omit?: readonly string[]
}

export function tensorsFor(specs: Spec[], o: WriteOptions = {}): TensorToWrite[] {
  const dtype = o.dtype ?? 'F32'
  const out: TensorToWrite[] = []
  for (const [name, shape] of specs) {
    if (o.omit?.includes(name)) continue
    const full = (o.prefix ?? '') + name
    const is2d = shape.length === 2 && name.endsWith('.weight')
    // fp8 checkpoints keep norms and biases in 16 bits, as the published fp8 files do.
    const dt = (dtype === 'F8_E4M3' || dtype === 'F8_E5M2') && !is2d ? 'BF16' : dtype
    out.push({ name: full, dtype: dt, shape, data: () => valuesFor(name, shape, o.seed ?? 1) })
    if (o.fp8Scaled && is2d) out.push({ name: full.replace(/weight$/, 'scale_weight'), dtype: 'F32', shape: [], data: [1] })
  }
  return out
}

export function writeCheckpoint(file: string, specs: Spec[], o: WriteOptions = {}): string {
  mkdirSync(dirname(file), { recursive: true })
  writeSafetensors(file, tensorsFor(specs, o), { format: 'pt' })
  return file
}

/** A transformers/diffusers sharded checkpoint: `model-0000i-of-0000n.safetensors` + the index. */
export function writeSharded(dir: string, specs: Spec[], shards: number, o: WriteOptions & { base?: string } = {}): string {
  mkdirSync(dir, { recursive: true })
  const base = o.base ?? 'model'
  const tensors = tensorsFor(specs, o)
  const per = Math.ceil(tensors.length / shards)
  const weightMap: Record<string, string> = {}
  for (let i = 0; i < shards; i++) {
    const file = `${base}-${String(i + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`
    const part = tensors.slice(i * per, (i + 1) * per)
    writeSafetensors(join(dir, file), part, { format: 'pt' })
    for (const t of part) weightMap[t.name] = file
  }
  const index = join(dir, `${base}.safetensors.index.json`)
  writeFileSync(index, JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2))
  return index
}

/** The diffusers `tokenizer/` folder, from the CLIP merges shipped in assets/ (vocab in CLIP's order). */
export function writeClipTokenizerDir(dir: string): void {
  mkdirSync(dir, { recursive: true })
  const lines = gunzipSync(readFileSync('assets/tokenizers/clip-l/bpe_simple_vocab_16e6.txt.gz'))
    .toString('utf8')
    .split('\n')
    .slice(1, 48895)
  // GPT-2's byte symbols in CLIP's order: the printable bytes as themselves, then the other 68 bytes as U+0100….
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff)
  const bytes = [...Array(256).keys()].filter(printable).map((b) => String.fromCodePoint(b))
  for (let i = 0; bytes.length < 256; i++) bytes.push(String.fromCodePoint(256 + i))
  const tokens = [...bytes, ...bytes.map((c) => c + '</w>'), ...lines.map((l) => l.replace(' ', '')), '<|startoftext|>', '<|endoftext|>']
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(tokens.map((t, i) => [t, i]))))
  writeFileSync(join(dir, 'merges.txt'), '#version: 0.2\n' + lines.join('\n') + '\n')
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ pad_token: '<|endoftext|>', model_max_length: 77 }))
}

/**
 * A checkpoint with the given tensors' header and a sparse data section (no bytes written), for
 * checking detection on full-size shapes (24 GB) without the disk or the time. Reading its
 * tensors returns zeros.
 */
export function writeHeaderOnly(file: string, specs: Spec[], dtype: Dtype): string {
  mkdirSync(dirname(file), { recursive: true })
  const bytes = DTYPE_BYTES[dtype]
  const header: Record<string, unknown> = {}
  let offset = 0
  for (const [name, shape] of specs) {
    const len = shape.reduce((a, b) => a * b, 1) * bytes
    header[name] = { dtype, shape, data_offsets: [offset, offset + len] }
    offset += len
  }
  const json = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(json.byteLength))
  writeFileSync(file, Buffer.concat([len, json]))
  truncateSync(file, 8 + json.byteLength + offset)
  return file
}

/**
 * The same weights in diffusers' layout: BFL's transformer and autoencoder tensors renamed and
 * split the way diffusers' `scripts/convert_flux_to_diffusers.py` and its VAE conversion do it
 * (fused qkv split in three, the single blocks' linear1 split into q|k|v|mlp, the final
 * modulation's [shift; scale] swapped to [scale; shift], up blocks renumbered from the latent
 * side, 1×1 attention convs as Linear weights). Written from those scripts, independently of the
 * engine's inverse mapping, so a mistake in either shows as a difference between the two folders.
 */
import { cpSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openSafetensors } from '../../engine/weights/safetensors'
import { writeSafetensors, type TensorToWrite } from '../../engine/weights/writer'

type T = { shape: number[]; data: Float32Array }

function readAll(file: string): Map<string, T> {
  const r = openSafetensors(file)
  try {
    return new Map([...r.tensors].map(([n, i]) => [n, { shape: [...i.shape], data: r.readFloat32(n) }]))
  } finally {
    r.close()
  }
}

/** Rows [from, to) of a 1-D or 2-D tensor. */
const rows = (t: T, from: number, to: number): T => {
  const per = t.shape.slice(1).reduce((a, b) => a * b, 1)
  return { shape: [to - from, ...t.shape.slice(1)], data: t.data.slice(from * per, to * per) }
}

function transformer(b: Map<string, T>): Map<string, T> {
  const d = new Map<string, T>()
  const get = (n: string) => {
    const t = b.get(n)
    if (!t) throw new Error(`BFL checkpoint has no ${n}`)
    return t
  }
  const both = (dn: string, bn: string, f: (t: T) => T = (t) => t) => {
    for (const s of ['weight', 'bias']) if (b.has(`${bn}.${s}`)) d.set(`${dn}.${s}`, f(get(`${bn}.${s}`)))
  }
  both('x_embedder', 'img_in')
  both('context_embedder', 'txt_in')
  both('time_text_embed.timestep_embedder.linear_1', 'time_in.in_layer')
  both('time_text_embed.timestep_embedder.linear_2', 'time_in.out_layer')
  both('time_text_embed.text_embedder.linear_1', 'vector_in.in_layer')
  both('time_text_embed.text_embedder.linear_2', 'vector_in.out_layer')
  both('time_text_embed.guidance_embedder.linear_1', 'guidance_in.in_layer')
  both('time_text_embed.guidance_embedder.linear_2', 'guidance_in.out_layer')
  const h = get('img_in.weight').shape[0]!
  const count = (p: string) => new Set([...b.keys()].filter((k) => k.startsWith(p)).map((k) => k.slice(p.length).split('.')[0])).size
  for (let i = 0; i < count('double_blocks.'); i++) {
    const B = `double_blocks.${i}.`
    const D = `transformer_blocks.${i}.`
    both(`${D}norm1.linear`, `${B}img_mod.lin`)
    both(`${D}norm1_context.linear`, `${B}txt_mod.lin`)
    for (const [stream, names] of [
      ['img', ['to_q', 'to_k', 'to_v']],
      ['txt', ['add_q_proj', 'add_k_proj', 'add_v_proj']],
    ] as const)
      for (const s of ['weight', 'bias']) {
        const qkv = get(`${B}${stream}_attn.qkv.${s}`)
        names.forEach((n, j) => d.set(`${D}attn.${n}.${s}`, rows(qkv, j * h, (j + 1) * h)))
      }
    d.set(`${D}attn.norm_q.weight`, get(`${B}img_attn.norm.query_norm.scale`))
    d.set(`${D}attn.norm_k.weight`, get(`${B}img_attn.norm.key_norm.scale`))
    d.set(`${D}attn.norm_added_q.weight`, get(`${B}txt_attn.norm.query_norm.scale`))
    d.set(`${D}attn.norm_added_k.weight`, get(`${B}txt_attn.norm.key_norm.scale`))
    both(`${D}attn.to_out.0`, `${B}img_attn.proj`)
    both(`${D}attn.to_add_out`, `${B}txt_attn.proj`)
    both(`${D}ff.net.0.proj`, `${B}img_mlp.0`)
    both(`${D}ff.net.2`, `${B}img_mlp.2`)
    both(`${D}ff_context.net.0.proj`, `${B}txt_mlp.0`)
    both(`${D}ff_context.net.2`, `${B}txt_mlp.2`)
  }
  for (let i = 0; i < count('single_blocks.'); i++) {
    const B = `single_blocks.${i}.`
    const D = `single_transformer_blocks.${i}.`
    for (const s of ['weight', 'bias']) {
      const l1 = get(`${B}linear1.${s}`)
      d.set(`${D}attn.to_q.${s}`, rows(l1, 0, h))
      d.set(`${D}attn.to_k.${s}`, rows(l1, h, 2 * h))
      d.set(`${D}attn.to_v.${s}`, rows(l1, 2 * h, 3 * h))
      d.set(`${D}proj_mlp.${s}`, rows(l1, 3 * h, l1.shape[0]!))
    }
    both(`${D}proj_out`, `${B}linear2`)
    d.set(`${D}attn.norm_q.weight`, get(`${B}norm.query_norm.scale`))
    d.set(`${D}attn.norm_k.weight`, get(`${B}norm.key_norm.scale`))
    both(`${D}norm.linear`, `${B}modulation.lin`)
  }
  both('proj_out', 'final_layer.linear')
  // convert_flux_to_diffusers.py swap_scale_shift: BFL holds [shift; scale], diffusers [scale; shift].
  both('norm_out.linear', 'final_layer.adaLN_modulation.1', (t) => {
    const n = t.shape[0]! / 2
    const a = rows(t, 0, n)
    const c = rows(t, n, 2 * n)
    const data = new Float32Array(t.data.length)
    data.set(c.data, 0)
    data.set(a.data, c.data.length)
    return { shape: t.shape, data }
  })
  return d
}

function autoencoder(b: Map<string, T>): Map<string, T> {
  const d = new Map<string, T>()
  const ups = new Set([...b.keys()].filter((k) => k.startsWith('decoder.up.')).map((k) => Number(k.split('.')[2]))).size
  for (const [name, t] of b) {
    let n = name
      .replace(/^encoder\.down\.(\d+)\.block\.(\d+)\./, 'encoder.down_blocks.$1.resnets.$2.')
      .replace(/^encoder\.down\.(\d+)\.downsample\.conv\./, 'encoder.down_blocks.$1.downsamplers.0.conv.')
      .replace(
        /^decoder\.up\.(\d+)\.block\.(\d+)\./,
        (_m, l: string, r: string) => `decoder.up_blocks.${ups - 1 - Number(l)}.resnets.${r}.`,
      )
      .replace(/^decoder\.up\.(\d+)\.upsample\.conv\./, (_m, l: string) => `decoder.up_blocks.${ups - 1 - Number(l)}.upsamplers.0.conv.`)
      .replace(/\.mid\.block_1\./, '.mid_block.resnets.0.')
      .replace(/\.mid\.block_2\./, '.mid_block.resnets.1.')
      .replace(/\.mid\.attn_1\.norm\./, '.mid_block.attentions.0.group_norm.')
      .replace(/\.norm_out\./, '.conv_norm_out.')
      .replace(/\.nin_shortcut\./, '.conv_shortcut.')
    const attn = /\.mid\.attn_1\.(q|k|v|proj_out)\./.exec(n)
    if (attn) {
      const to = { q: 'to_q', k: 'to_k', v: 'to_v', proj_out: 'to_out.0' }[attn[1] as 'q' | 'k' | 'v' | 'proj_out']
      n = n.replace(attn[0], `.mid_block.attentions.0.${to}.`)
      // diffusers' attention projections are Linear: [C, C, 1, 1] → [C, C].
      d.set(n, { shape: t.shape.length === 4 ? t.shape.slice(0, 2) : t.shape, data: t.data })
      continue
    }
    d.set(n, t)
  }
  return d
}

const toWrite = (m: Map<string, T>): TensorToWrite[] => [...m].map(([name, t]) => ({ name, dtype: 'F32', shape: t.shape, data: t.data }))

/**
 * A diffusers pipeline folder holding exactly the weights of the official-release folder
 * `releaseDir` (fluxFolders.ts `writeOfficialRelease`): transformer/ and vae/ converted, the text
 * encoders and tokenizers copied.
 */
export function writeDiffusersFromRelease(releaseDir: string, dir: string): string {
  mkdirSync(join(dir, 'transformer'), { recursive: true })
  mkdirSync(join(dir, 'vae'), { recursive: true })
  writeSafetensors(
    join(dir, 'transformer/diffusion_pytorch_model.safetensors'),
    toWrite(transformer(readAll(join(releaseDir, 'flux1-kontext-dev.safetensors')))),
  )
  writeSafetensors(join(dir, 'vae/diffusion_pytorch_model.safetensors'), toWrite(autoencoder(readAll(join(releaseDir, 'ae.safetensors')))))
  for (const sub of ['text_encoder', 'text_encoder_2', 'tokenizer', 'tokenizer_2'])
    cpSync(join(releaseDir, sub), join(dir, sub), { recursive: true })
  return dir
}

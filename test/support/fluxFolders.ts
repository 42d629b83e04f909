/**
 * Whole model folders in the shapes users hold FLUX.1 Kontext [dev], with tiny random weights
 * (see fluxCheckpoints.ts): the official release, a diffusers folder, a ComfyUI folder (optionally
 * fp8), a ComfyUI all-in-one checkpoint. Each maker returns the folder; pass `dims` for other sizes
 * (e.g. FULL widths with fewer blocks for a structural twin).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Dtype } from '../../engine/weights/dtypes'
import { writeSafetensors } from '../../engine/weights/writer'
import {
  bflAutoencoderSpecs,
  bflTransformerSpecs,
  clipTextSpecs,
  diffusersAutoencoderSpecs,
  diffusersTransformerSpecs,
  t5EncoderSpecs,
  tensorsFor,
  TINY,
  writeCheckpoint,
  writeClipTokenizerDir,
  writeSharded,
  type WriteOptions,
} from './fluxCheckpoints'
import { t5TokenizerJson } from './t5TokenizerJson'

export type FluxDims = typeof TINY

export function writeT5TokenizerDir(dir: string): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(t5TokenizerJson()))
}

/** The diffusers text encoders and tokenizers (shared by the release and diffusers folders). */
function diffusersTextParts(dir: string, dims: FluxDims, o: WriteOptions): void {
  writeCheckpoint(join(dir, 'text_encoder/model.safetensors'), clipTextSpecs(dims.clip), { ...o, dtype: 'BF16' })
  writeSharded(join(dir, 'text_encoder_2'), t5EncoderSpecs(dims.t5), 2, { ...o, dtype: 'BF16' })
  writeClipTokenizerDir(join(dir, 'tokenizer'))
  writeT5TokenizerDir(join(dir, 'tokenizer_2'))
}

/** black-forest-labs/FLUX.1-Kontext-dev: BFL transformer + ae.safetensors at the top, diffusers text parts. */
export function writeOfficialRelease(dir: string, dims: FluxDims = TINY, o: WriteOptions = {}): string {
  writeCheckpoint(join(dir, 'flux1-kontext-dev.safetensors'), bflTransformerSpecs(dims.transformer), { dtype: 'BF16', ...o })
  writeCheckpoint(join(dir, 'ae.safetensors'), bflAutoencoderSpecs(dims.ae), { ...o, dtype: 'F32' })
  diffusersTextParts(dir, dims, o)
  return dir
}

/** A diffusers pipeline folder: transformer/ (sharded), vae/, text_encoder(_2)/, tokenizer(_2)/. */
export function writeDiffusersFolder(dir: string, dims: FluxDims = TINY, o: WriteOptions = {}): string {
  writeSharded(join(dir, 'transformer'), diffusersTransformerSpecs(dims.transformer), 3, {
    dtype: 'BF16',
    ...o,
    base: 'diffusion_pytorch_model',
  })
  writeCheckpoint(join(dir, 'vae/diffusion_pytorch_model.safetensors'), diffusersAutoencoderSpecs(dims.ae), { ...o, dtype: 'F32' })
  diffusersTextParts(dir, dims, o)
  writeFileSync(join(dir, 'model_index.json'), JSON.stringify({ _class_name: 'FluxKontextPipeline' }))
  return dir
}

/** A ComfyUI models folder: single files under diffusion_models/, text_encoders/, vae/ — no tokenizers. */
export function writeComfyFolder(dir: string, dims: FluxDims = TINY, o: WriteOptions & { fp8?: boolean } = {}): string {
  const dtype: Dtype = o.fp8 ? 'F8_E4M3' : 'BF16'
  const suffix = o.fp8 ? '_fp8_e4m3fn' : ''
  writeCheckpoint(join(dir, `diffusion_models/flux1-kontext-dev${suffix}.safetensors`), bflTransformerSpecs(dims.transformer), {
    dtype,
    ...o,
  })
  writeCheckpoint(join(dir, 'text_encoders/clip_l.safetensors'), clipTextSpecs(dims.clip), { ...o, dtype: 'F16', fp8Scaled: false })
  writeCheckpoint(join(dir, `text_encoders/t5xxl_${o.fp8 ? 'fp8_e4m3fn' : 'fp16'}.safetensors`), t5EncoderSpecs(dims.t5), {
    ...o,
    dtype: o.fp8 ? 'F8_E4M3' : 'F16',
    fp8Scaled: false,
  })
  writeCheckpoint(join(dir, 'vae/ae.safetensors'), bflAutoencoderSpecs(dims.ae), { ...o, dtype: 'F32', fp8Scaled: false })
  return dir
}

/** A ComfyUI all-in-one checkpoint: every component in one file under its prefix. */
export function writeComfyCheckpoint(file: string, dims: FluxDims = TINY, o: WriteOptions = {}): string {
  writeSafetensors(file, [
    ...tensorsFor(bflTransformerSpecs(dims.transformer), { dtype: 'BF16', ...o, prefix: 'model.diffusion_model.' }),
    ...tensorsFor(bflAutoencoderSpecs(dims.ae), { ...o, dtype: 'BF16', prefix: 'vae.' }),
    ...tensorsFor(clipTextSpecs(dims.clip), { ...o, dtype: 'BF16', prefix: 'text_encoders.clip_l.transformer.' }),
    ...tensorsFor(t5EncoderSpecs(dims.t5), { ...o, dtype: 'BF16', prefix: 'text_encoders.t5xxl.transformer.' }),
  ])
  return file
}

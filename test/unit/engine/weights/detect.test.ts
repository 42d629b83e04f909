import { mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectModelFolder } from '../../../../engine/weights/detect'
import {
  bflAutoencoderSpecs,
  bflTransformerSpecs,
  clipTextSpecs,
  t5EncoderSpecs,
  TINY,
  writeCheckpoint,
} from '../../../support/fluxCheckpoints'
import {
  writeComfyCheckpoint,
  writeComfyFolder,
  writeDiffusersFolder,
  writeOfficialRelease,
  writeT5TokenizerDir,
} from '../../../support/fluxFolders'

const BUNDLED = 'assets/tokenizers/clip-l/bpe_simple_vocab_16e6.txt.gz'
const tmp = mkdtempSync(join(tmpdir(), 'detect-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))
let n = 0
const fresh = () => join(tmp, `m${n++}`)
const inspect = (dir: string) => inspectModelFolder(dir, { bundledClipMerges: BUNDLED })

describe('model folder detection by content', () => {
  it('recognises the official release: BFL transformer and ae.safetensors, diffusers text encoders and tokenizers', () => {
    const r = inspect(writeOfficialRelease(fresh()))
    expect(r.problems).toEqual([])
    expect(r.usable).toBe(true)
    expect(r.chosen.transformer).toMatchObject({ layout: 'bfl', files: ['flux1-kontext-dev.safetensors'], prefix: '' })
    expect(r.chosen.transformer!.precision.main).toBe('BF16')
    expect(r.chosen.transformer!.dims).toMatchObject({
      hidden: 32,
      heads: 2,
      headDim: 16,
      depth: 2,
      depthSingle: 2,
      inChannels: 64,
      contextIn: 32,
      vecIn: 16,
    })
    expect(r.chosen.transformer!.variant).toMatch(/guidance-distilled/)
    expect(r.chosen.autoencoder).toMatchObject({ layout: 'bfl', files: ['ae.safetensors'], parts: { encoder: true, decoder: true } })
    expect(r.chosen.autoencoder!.dims.zChannels).toBe(16)
    expect(r.chosen.autoencoder!.precision.label).toBe('fp32')
    expect(r.chosen.clip!.files).toEqual(['text_encoder/model.safetensors'])
    expect(r.chosen.t5!.files).toEqual([
      'text_encoder_2/model.safetensors.index.json',
      'text_encoder_2/model-00001-of-00002.safetensors',
      'text_encoder_2/model-00002-of-00002.safetensors',
    ])
    expect(r.tokenizers.map((t) => [t.kind, t.source, t.where])).toEqual([
      ['clip', 'folder', 'tokenizer'],
      ['t5', 'folder', 'tokenizer_2'],
    ])
  })

  it('recognises a diffusers folder with a sharded transformer and AutoencoderKL', () => {
    const r = inspect(writeDiffusersFolder(fresh()))
    expect(r.problems).toEqual([])
    expect(r.chosen.transformer).toMatchObject({ layout: 'diffusers' })
    expect(r.chosen.transformer!.files).toHaveLength(4)
    expect(r.chosen.transformer!.dims).toMatchObject({ hidden: 32, depth: 2, depthSingle: 2 })
    expect(r.chosen.autoencoder).toMatchObject({ layout: 'diffusers', files: ['vae/diffusion_pytorch_model.safetensors'] })
  })

  it('recognises a ComfyUI folder, uses the bundled CLIP merges and names the missing T5 tokenizer', () => {
    const dir = writeComfyFolder(fresh())
    const r = inspect(dir)
    expect(Object.keys(r.chosen).sort()).toEqual(['autoencoder', 'clip', 't5', 'transformer'])
    expect(r.chosen.t5!.precision.label).toBe('fp16')
    expect(r.tokenizers).toEqual([{ kind: 'clip', source: 'bundled', where: 'bundled CLIP-L merges', problems: [] }])
    expect(r.problems).toEqual([expect.stringMatching(/^No T5 tokenizer: copy the tokenizer_2\/ folder/)])
    writeT5TokenizerDir(join(dir, 'tokenizer_2'))
    expect(inspect(dir).usable).toBe(true)
  })

  it('reports fp8 e4m3 weights and their per-tensor scales', () => {
    const r = inspect(writeComfyFolder(fresh(), TINY, { fp8: true, fp8Scaled: true }))
    const tr = r.chosen.transformer!
    expect(tr.files).toEqual(['diffusion_models/flux1-kontext-dev_fp8_e4m3fn.safetensors'])
    expect(tr.precision).toMatchObject({ main: 'F8_E4M3', fp8Scaled: true })
    expect(tr.precision.label).toMatch(/^fp8 e4m3fn with per-tensor scales/)
    expect(r.chosen.t5!.precision).toMatchObject({ main: 'F8_E4M3', fp8Scaled: false })
  })

  it('finds every component inside a ComfyUI all-in-one checkpoint, under its prefix', () => {
    const dir = fresh()
    mkdirSync(dir)
    writeComfyCheckpoint(join(dir, 'flux1-kontext-dev-aio.safetensors'))
    const r = inspect(dir)
    expect(Object.fromEntries(r.components.map((c) => [c.kind, c.prefix]))).toEqual({
      transformer: 'model.diffusion_model.',
      autoencoder: 'vae.',
      clip: 'text_encoders.clip_l.transformer.',
      t5: 'text_encoders.t5xxl.transformer.',
    })
    expect(r.chosen.transformer!.tensors.has('img_in.weight')).toBe(true)
  })

  it('goes by content, not by file name', () => {
    const dir = writeOfficialRelease(fresh())
    renameSync(join(dir, 'ae.safetensors'), join(dir, 'flux1-kontext-dev-2.safetensors'))
    renameSync(join(dir, 'flux1-kontext-dev.safetensors'), join(dir, 'ae.safetensors'))
    const r = inspect(dir)
    expect(r.chosen.transformer!.files).toEqual(['ae.safetensors'])
    expect(r.chosen.autoencoder!.files).toEqual(['flux1-kontext-dev-2.safetensors'])
    expect(r.usable).toBe(true)
  })

  it('names every broken or missing piece at once', () => {
    const dir = fresh()
    writeCheckpoint(join(dir, 'transformer.safetensors'), bflTransformerSpecs(TINY.transformer), {
      omit: ['double_blocks.1.img_attn.proj.weight'],
    })
    writeCheckpoint(join(dir, 'ae.safetensors'), bflAutoencoderSpecs(TINY.ae, { encoder: false, decoder: true }))
    writeCheckpoint(join(dir, 't5.safetensors'), t5EncoderSpecs({ ...TINY.t5, dModel: 48 }))
    const r = inspect(dir)
    expect(r.usable).toBe(false)
    expect(r.problems).toEqual([
      'The transformer in transformer.safetensors lacks 1 tensor(s), e.g. double_blocks.1.img_attn.proj.weight.',
      'The autoencoder in ae.safetensors: it has no encoder half (editing needs one to encode the context image).',
      expect.stringMatching(/^No clip found: add the CLIP-L text encoder/),
      'The T5 encoder gives 48-wide states but the transformer takes 32.',
      expect.stringMatching(/^No T5 tokenizer/),
    ])
  })

  it('names tensors of the wrong shape, variants Kontext cannot use, and truncated or missing shards', () => {
    const dir = writeOfficialRelease(fresh())
    writeCheckpoint(join(dir, 'flux1-kontext-dev.safetensors'), [
      ...bflTransformerSpecs({ ...TINY.transformer, guidance: false }).map(([name, shape]): [string, number[]] =>
        name === 'single_blocks.1.linear2.weight' ? [name, [32, 100]] : [name, shape],
      ),
    ])
    const shard = join(dir, 'text_encoder_2/model-00002-of-00002.safetensors')
    truncateSync(shard, statSync(shard).size - 10)
    writeCheckpoint(join(dir, 'text_encoder/model.safetensors'), clipTextSpecs({ ...TINY.clip, hidden: 1280, layers: 1, vocab: 1000 }))
    const r = inspect(dir)
    expect(r.problems).toEqual([
      'The transformer in flux1-kontext-dev.safetensors has 1 tensor(s) of the wrong shape, e.g. single_blocks.1.linear2.weight: [32, 100] (expected [32, 160]).',
      'The transformer in flux1-kontext-dev.safetensors: it has no guidance embedding (FLUX.1 [schnell]-like); Kontext [dev] is guidance-distilled.',
      "The clip in text_encoder/model.safetensors: its vocabulary has 1000 tokens; CLIP's tokenizer has 49408.",
      'The clip in text_encoder/model.safetensors: it is CLIP-G (hidden 1280); FLUX uses CLIP-L (768).',
      'No t5 found: add the T5-XXL encoder (t5xxl_fp16.safetensors, or the diffusers text_encoder_2/ folder).',
      'The CLIP model gives 1280-wide vectors but the transformer takes 16.',
      expect.stringMatching(/^Unreadable: model-00002-of-00002\.safetensors: .*truncated download/),
    ])
    rmSync(shard)
    expect(inspect(dir).problems).toContainEqual(
      'Unreadable: model.safetensors.index.json: shard model-00002-of-00002.safetensors is missing (incomplete download?).',
    )
  })

  it('lists files with no FLUX component as unrecognised, and copes with an empty folder', () => {
    const dir = fresh()
    writeCheckpoint(join(dir, 'lora.safetensors'), [['lora_unet_down.weight', [4, 4]]])
    const r = inspect(dir)
    expect(r.unrecognised).toEqual(['lora.safetensors'])
    // Four components and the T5 tokenizer; the CLIP tokenizer falls back to the bundled merges.
    expect(r.problems.filter((p) => p.startsWith('No ')).map((p) => p.split(':')[0])).toEqual([
      'No transformer found',
      'No autoencoder found',
      'No clip found',
      'No t5 found',
      'No T5 tokenizer',
    ])
    const empty = fresh()
    mkdirSync(empty)
    expect(inspectModelFolder(empty).problems).toHaveLength(6)
  })
})

import onnxProto from 'onnx-proto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inspectModelFolder } from '../../../../engine/weights/detect'
import {
  bflAutoencoderSpecs,
  bflTransformerSpecs,
  clipTextSpecs,
  FULL,
  t5EncoderSpecs,
  writeHeaderOnly,
} from '../../../support/fluxCheckpoints'

const { onnx } = onnxProto
const tmp = mkdtempSync(join(tmpdir(), 'detect-full-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('detection at the published sizes', () => {
  it('reads FLUX.1 Kontext [dev]’s architecture from full-size shapes (sparse files, headers only)', () => {
    const dir = join(tmp, 'full')
    writeHeaderOnly(join(dir, 'flux1-kontext-dev.safetensors'), bflTransformerSpecs(FULL.transformer), 'BF16')
    writeHeaderOnly(join(dir, 'ae.safetensors'), bflAutoencoderSpecs(FULL.ae), 'F32')
    writeHeaderOnly(join(dir, 'clip_l.safetensors'), clipTextSpecs(FULL.clip), 'F16')
    writeHeaderOnly(join(dir, 't5xxl_fp8_e4m3fn.safetensors'), t5EncoderSpecs(FULL.t5), 'F8_E4M3')
    const r = inspectModelFolder(dir, { bundledClipMerges: 'assets/tokenizers/clip-l/bpe_simple_vocab_16e6.txt.gz' })
    expect(r.chosen.transformer!.dims).toEqual({
      hidden: 3072,
      heads: 24,
      headDim: 128,
      mlpHidden: 12288,
      depth: 19,
      depthSingle: 38,
      inChannels: 64,
      outChannels: 64,
      contextIn: 4096,
      vecIn: 768,
    })
    expect(r.chosen.autoencoder!.dims).toEqual({ zChannels: 16, levels: 4, resBlocks: 2, baseChannels: 128 })
    expect(r.chosen.clip!.variant).toBe('CLIP-L text model')
    expect(r.chosen.t5!.variant).toBe('T5 v1.1 XXL encoder')
    expect(r.chosen.t5!.dims).toMatchObject({ dModel: 4096, heads: 64, ffHidden: 10240, blocks: 24, vocab: 32128 })
    expect(r.chosen.t5!.precision.label).toBe('fp8 e4m3fn')
    // Consistent with each other; only the T5 tokenizer (not in ComfyUI folders) is missing.
    expect(r.problems).toEqual([expect.stringMatching(/^No T5 tokenizer/)])
  })
})

describe('ONNX export folders', () => {
  const value = (name: string, elemType: number) => ({ name, type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'B' }] } } } })
  function writeGraph(file: string, inputs: [string, number][], outputs: [string, number][], externalData?: string): void {
    const initializer = externalData
      ? [
          {
            name: 'w',
            dims: [4],
            dataType: 16,
            dataLocation: 1,
            externalData: [
              { key: 'location', value: externalData },
              { key: 'offset', value: '0' },
              { key: 'length', value: '8' },
            ],
          },
        ]
      : []
    const model = onnx.ModelProto.create({
      irVersion: 9,
      opsetImport: [{ domain: '', version: 19 }],
      graph: { name: 'g', input: inputs.map(([n, t]) => value(n, t)), output: outputs.map(([n, t]) => value(n, t)), initializer, node: [] },
    })
    mkdirSync(join(file, '..'), { recursive: true })
    writeFileSync(file, onnx.ModelProto.encode(model).finish())
  }

  it('names each graph’s role, its bf16 boundaries and missing external data, and says the export cannot run yet', () => {
    const dir = join(tmp, 'onnx')
    const BF16 = 16
    const F32 = 1
    const I32 = 6
    writeGraph(
      join(dir, 'transformer.opt/bf16/model.onnx'),
      [
        ['hidden_states', BF16],
        ['encoder_hidden_states', BF16],
        ['pooled_projections', BF16],
        ['timestep', BF16],
        ['img_ids', F32],
        ['txt_ids', F32],
        ['guidance', F32],
      ],
      [['latent', BF16]],
      'backbone.onnx_data',
    )
    writeGraph(
      join(dir, 'clip.opt/model.onnx'),
      [['input_ids', I32]],
      [
        ['text_embeddings', F32],
        ['pooled_embeddings', F32],
      ],
      'model.onnx.data',
    )
    writeFileSync(join(dir, 'clip.opt/model.onnx.data'), Buffer.alloc(8))
    writeGraph(join(dir, 'vae.opt/model.onnx'), [['latent', F32]], [['images', F32]])
    const r = inspectModelFolder(dir)
    expect(r.onnx.map((g) => [g.file, g.role, g.externalData, g.problems])).toEqual([
      ['clip.opt/model.onnx', 'clip', ['clip.opt/model.onnx.data'], []],
      [
        'transformer.opt/bf16/model.onnx',
        'transformer',
        ['transformer.opt/bf16/backbone.onnx_data'],
        [
          'external data backbone.onnx_data is missing.',
          "bfloat16 at its boundary (hidden_states, encoder_hidden_states, pooled_projections, timestep, latent): onnxruntime's JavaScript API cannot feed or read it.",
        ],
      ],
      ['vae.opt/model.onnx', 'vae-decoder', [], []],
    ])
    expect(r.problems).toContainEqual(
      '3 ONNX graph(s) found: an ONNX export runs once imported — `kontext models import DIR` casts its bfloat16 boundaries to float32 and builds the autoencoder from ae.safetensors.',
    )
  })
})

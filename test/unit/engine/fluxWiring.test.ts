/**
 * What the pipeline itself owes the graphs at FLUX.1's real sizes, with recording sessions in
 * place of the multi-GB ones: both tokenizers' padding, the target size for a 1500×1000 context,
 * the token count, scale/shift applied outside the graphs, the guidance value and the
 * resolution-dependent schedule of KONTEXT_PIPELINE.md §5. The sessions' names and shapes come
 * from the manifest, so this says nothing about whether the published export matches it: that is
 * `test/integration/flux/onnxExport.test.ts`, on a stand-in export built with real graphs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { GraphSpec, ModelManifest } from '../../../engine/manifest/schema'
import { KontextPipeline } from '../../../engine/pipeline/kontextPipeline'
import { OrtKontextModels, pipelineConfig, type SessionSource } from '../../../engine/pipeline/ortModels'
import type { LoadedSession, TensorData } from '../../../engine/sessions'
import { wordLevelTokenizer } from '../../../engine/tools/wordLevelTokenizer'
import { gaussianNoise } from '../../../engine/math/noise'
import flux from '../../../engine/manifests/flux1-kontext-dev.json'

const dir = mkdtempSync(join(tmpdir(), 'flux-wiring-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const m = flux as unknown as ModelManifest
for (const f of [
  m.components.textEncoders[0]!.graph.file,
  m.components.textEncoders[1]!.graph.file,
  m.components.transformer.file,
  m.components.vaeEncoder.file,
  m.components.vaeDecoder.file,
]) {
  mkdirSync(join(dir, f, '..'), { recursive: true })
  writeFileSync(join(dir, f), 'not loaded: sessions are fakes')
}
// Stand-in tokenizers (the real T5/CLIP tokenizer.json files are downloaded with the model).
mkdirSync(join(dir, 'tokenizer_2'), { recursive: true })
mkdirSync(join(dir, 'tokenizer'), { recursive: true })
writeFileSync(join(dir, 'tokenizer_2', 'tokenizer.json'), JSON.stringify(wordLevelTokenizer({ '<pad>': 0, make: 5, it: 6, red: 7 })))
writeFileSync(join(dir, 'tokenizer', 'tokenizer.json'), JSON.stringify(wordLevelTokenizer({ '<pad>': 0, make: 320, it: 585, red: 736 })))
writeFileSync(join(dir, 'model.json'), JSON.stringify(flux))

const DIM = 8 // small stand-in widths; the real ones are 4096 (T5) and 768 (CLIP)
const feeds: Record<string, Record<string, TensorData>[]> = {}

function fakeSession(component: string, spec: GraphSpec): LoadedSession {
  const io = {
    inputs: Object.values(spec.inputs).flatMap((t) => (t ? [{ name: t.name, dtype: t.dtype, rank: t.rank }] : [])),
    outputs: Object.values(spec.outputs).flatMap((t) => (t ? [{ name: t.name, dtype: t.dtype, rank: t.rank }] : [])),
  }
  return {
    io,
    provider: 'cpu',
    async run(f): Promise<Record<string, TensorData>> {
      ;(feeds[component] ??= []).push(f)
      const first = Object.values(f)[0]!
      const f32 = (dims: number[], value = 1): TensorData => ({
        dtype: 'float32',
        data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value),
        dims,
      })
      if (component === 'text:t5') return { text_embeddings: f32([1, first.dims[1]!, DIM]) }
      if (component === 'text:clip') return { pooled_embeddings: f32([1, DIM]) }
      if (component === 'vaeEncoder') return { latent: f32([1, 16, first.dims[2]! / 8, first.dims[3]! / 8], 1) }
      if (component === 'vaeDecoder') return { images: f32([1, 3, first.dims[2]! * 8, first.dims[3]! * 8], 0) }
      return { latent: f32(first.dims as number[], 0) }
    },
  }
}

const pool: SessionSource = {
  async get(_model, component) {
    const c = m.components
    const spec =
      component === 'transformer'
        ? c.transformer
        : component === 'vaeEncoder'
          ? c.vaeEncoder
          : component === 'vaeDecoder'
            ? c.vaeDecoder
            : c.textEncoders.find((e) => `text:${e.name}` === component)!.graph
    return fakeSession(component, spec)
  },
}

describe('FLUX.1 Kontext [dev] through the manifest', () => {
  it('feeds each graph the padded ids, normalised latents, guidance and shifted schedule of a 1248×832 edit', async () => {
    const models = new OrtKontextModels(m, dir, pool)
    const pipeline = new KontextPipeline(models, pipelineConfig(m))
    const ctx = {
      hash: 'h',
      width: 1500,
      height: 1000,
      load: async (w: number, h: number) => ({ data: new Float32Array(3 * w * h), channels: 3, height: h, width: w }),
    }
    const out = await pipeline.generate({ prompt: 'make it red', contexts: [ctx], seed: 0, steps: 3, guidance: 2.5 })
    expect([out.width, out.height]).toEqual([1248, 832])

    const t5 = feeds['text:t5']![0]!.input_ids!
    expect([t5.dtype, t5.dims]).toEqual(['int32', [1, 512]])
    expect(Array.from(t5.data.slice(0, 4) as Int32Array)).toEqual([5, 6, 7, 0])
    const clip = feeds['text:clip']![0]!.input_ids!
    expect([clip.dtype, clip.dims]).toEqual(['int32', [1, 77]])
    expect((clip.data as Int32Array)[3]).toBe(49407) // CLIP pads with <|endoftext|>

    const enc = feeds.vaeEncoder![0]!.images!
    expect(enc.dims).toEqual([1, 3, 832, 1248])

    const tr = feeds.transformer![0]!
    const n = 2 * 52 * 78 // target + context tokens at 1248×832
    expect(Object.keys(tr).sort()).toEqual([
      'encoder_hidden_states',
      'guidance',
      'hidden_states',
      'img_ids',
      'pooled_projections',
      'timestep',
      'txt_ids',
    ])
    expect(tr.hidden_states!.dims).toEqual([1, n, 64])
    expect(tr.img_ids!.dims).toEqual([n, 3]) // 2-D ids, as the export declares
    expect(tr.txt_ids!.dims).toEqual([512, 3])
    expect(tr.encoder_hidden_states!.dims).toEqual([1, 512, DIM])
    expect(tr.pooled_projections!.dims).toEqual([1, DIM])
    expect(Array.from(tr.guidance!.data as Float32Array)).toEqual([2.5])
    // Context latents were normalised outside the encoder: 0.3611·(1 − 0.1159).
    expect((tr.hidden_states!.data as Float32Array)[52 * 78 * 64]).toBeCloseTo(0.3611 * (1 - 0.1159), 6)
    // Target tokens 4056 → mu 1.1432292; t₁ = shift(mu, 2/3).
    const mu = 1.1432292
    const ts = feeds.transformer!.map((f) => (f.timestep!.data as Float32Array)[0]!)
    expect(ts[0]).toBe(1)
    expect(ts[1]).toBeCloseTo(Math.exp(mu) / (Math.exp(mu) + 1 / (2 / 3) - 1), 6)

    // The decoder gets the denormalised latent z/0.3611 + 0.1159 (the zero velocity leaves the noise).
    const dec = feeds.vaeDecoder![0]!.latent!
    expect(dec.dims).toEqual([1, 16, 104, 156])
    const noise = gaussianNoise(0, 16 * 104 * 156)
    for (const k of [0, 1, 5000, noise.length - 1]) expect((dec.data as Float32Array)[k]).toBeCloseTo(noise[k]! / 0.3611 + 0.1159, 4)
  })
})

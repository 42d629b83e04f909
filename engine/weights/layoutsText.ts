/**
 * FLUX's text encoders in transformers' naming, which the diffusers `text_encoder/` and
 * `text_encoder_2/` folders and ComfyUI's `clip_l.safetensors` / `t5xxl_*.safetensors` share:
 * `CLIPTextModel` (CLIP-L: hidden 768, 12 layers) and `T5EncoderModel` (T5 v1.1 XXL: d_model 4096,
 * 24 blocks, gated-GELU feed-forward, no biases). Pure.
 */
import { countBlocks, dim, Expect, type LayoutDef } from './layouts'

export const clipText: LayoutDef = {
  kind: 'clip',
  layout: 'transformers',
  anchors: ['text_model.embeddings.token_embedding.weight'],
  analyse(t) {
    const vocab = dim(t, 'text_model.embeddings.token_embedding.weight', 0)
    const h = dim(t, 'text_model.embeddings.token_embedding.weight', 1)
    const positions = dim(t, 'text_model.embeddings.position_embedding.weight', 0)
    const ff = dim(t, 'text_model.encoder.layers.0.mlp.fc1.weight', 0)
    const layers = countBlocks(t, 'text_model.encoder.layers.')
    const e = new Expect(t)
    e.need('text_model.embeddings.position_embedding.weight', [positions, h])
    for (let i = 0; i < layers; i++) {
      const p = `text_model.encoder.layers.${i}.`
      for (const q of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) e.linear(`${p}self_attn.${q}`, h, h)
      e.norm(`${p}layer_norm1`, h)
      e.linear(`${p}mlp.fc1`, ff, h)
      e.linear(`${p}mlp.fc2`, h, ff)
      e.norm(`${p}layer_norm2`, h)
    }
    e.norm('text_model.final_layer_norm', h)
    const problems: string[] = []
    if (vocab !== 49408) problems.push(`its vocabulary has ${vocab} tokens; CLIP's tokenizer has 49408.`)
    if (positions < 77) problems.push(`it has ${positions} positions; FLUX feeds 77 tokens.`)
    if (h === 1280) problems.push('it is CLIP-G (hidden 1280); FLUX uses CLIP-L (768).')
    const variant = h === 768 && layers === 12 ? 'CLIP-L text model' : 'CLIP text model'
    return { dims: { hidden: h, layers, ffHidden: ff, vocab, positions }, variant, missing: e.missing, misshapen: e.misshapen, problems }
  },
}

export const t5Encoder: LayoutDef = {
  kind: 't5',
  layout: 'transformers',
  anchors: ['encoder.block.0.layer.0.SelfAttention.q.weight'],
  analyse(t) {
    const d = dim(t, 'encoder.block.0.layer.0.SelfAttention.q.weight', 1)
    const inner = dim(t, 'encoder.block.0.layer.0.SelfAttention.q.weight', 0)
    const heads = dim(t, 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', 1)
    const buckets = dim(t, 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', 0)
    const ff = dim(t, 'encoder.block.0.layer.1.DenseReluDense.wi_0.weight', 0)
    const embedding = t.has('shared.weight') ? 'shared.weight' : 'encoder.embed_tokens.weight'
    const vocab = dim(t, embedding, 0)
    const blocks = countBlocks(t, 'encoder.block.')
    const e = new Expect(t)
    e.need(embedding, [vocab, d])
    e.need('encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', [buckets, heads])
    for (let i = 0; i < blocks; i++) {
      const p = `encoder.block.${i}.layer.`
      for (const q of ['q', 'k', 'v']) e.linear(`${p}0.SelfAttention.${q}`, inner, d, false)
      e.linear(`${p}0.SelfAttention.o`, d, inner, false)
      e.need(`${p}0.layer_norm.weight`, [d])
      e.linear(`${p}1.DenseReluDense.wi_0`, ff, d, false)
      e.linear(`${p}1.DenseReluDense.wi_1`, ff, d, false)
      e.linear(`${p}1.DenseReluDense.wo`, d, ff, false)
      e.need(`${p}1.layer_norm.weight`, [d])
    }
    e.need('encoder.final_layer_norm.weight', [d])
    const problems: string[] = []
    if (!t.has('encoder.block.0.layer.1.DenseReluDense.wi_0.weight') && t.has('encoder.block.0.layer.1.DenseReluDense.wi.weight')) {
      problems.push('it is an original T5 (ReLU feed-forward); FLUX uses T5 v1.1 (gated GELU).')
    }
    const variant = d === 4096 && blocks === 24 ? 'T5 v1.1 XXL encoder' : 'T5 v1.1 encoder'
    return {
      dims: { dModel: d, innerDim: inner, heads, relativeBuckets: buckets, ffHidden: ff, blocks, vocab },
      variant,
      missing: e.missing,
      misshapen: e.misshapen,
      problems,
    }
  },
}

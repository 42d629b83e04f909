/**
 * Each graph's working memory at a resolution, from its shapes: the largest tensor one of its
 * layers produces (onnxruntime's planner keeps a few of that size live at once, hence a multiple),
 * and the attention scores where a graph materialises them (the text encoders' explicit attention).
 */
import { PLAN_COEFFICIENTS, type PlanGraph, type PlanRequest, type PlanTensors, type ShapeTable } from './memoryPlan'

export interface Activation {
  /** Elements of the largest intermediate tensor, and what it is. */
  readonly largest: number
  readonly largestWhat: string
  /** Elements of one layer's attention scores when the graph materialises them (else 0). */
  readonly scores: number
  readonly bytes: number
}

/** Tokens the T5 and CLIP encoders run at (BFL pads to these). */
export const T5_TOKENS = 512
export const CLIP_TOKENS = 77

const dim = (m: ShapeTable, name: string, axis: number): number => m.get(name)?.shape[axis] ?? 0

function levels(m: ShapeTable, prefix: string): number[] {
  const out: number[] = []
  for (let i = 0; m.has(`${prefix}.${i}.block.0.conv1.weight`); i++) out.push(dim(m, `${prefix}.${i}.block.0.conv1.weight`, 0))
  return out
}

const pixels = (req: PlanRequest, level: number) => (req.height / 2 ** level) * (req.width / 2 ** level)

function terms(t: PlanTensors, g: PlanGraph, req: PlanRequest): { largest: number; what: string; scores: number } {
  switch (g) {
    case 'clip': {
      const h = dim(t.clip, 'text_model.embeddings.token_embedding.weight', 1)
      const ff = dim(t.clip, 'text_model.encoder.layers.0.mlp.fc1.weight', 0)
      const heads = Math.max(1, h / 64)
      return { largest: CLIP_TOKENS * ff, what: `${CLIP_TOKENS}×${ff} feed-forward`, scores: heads * CLIP_TOKENS ** 2 }
    }
    case 't5': {
      const ff = dim(t.t5, 'encoder.block.0.layer.1.DenseReluDense.wi_0.weight', 0)
      const heads = dim(t.t5, 'encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight', 1)
      return { largest: T5_TOKENS * ff, what: `${T5_TOKENS}×${ff} feed-forward`, scores: heads * T5_TOKENS ** 2 }
    }
    case 'ae-encode': {
      const c = levels(t.autoencoder, 'encoder.down')
      let largest = 0
      let what = ''
      c.forEach((ch, i) => {
        if (ch * pixels(req, i) > largest) [largest, what] = [ch * pixels(req, i), `${ch} channels at ${req.width >> i}×${req.height >> i}`]
      })
      return { largest, what, scores: 0 }
    }
    case 'ae-decode': {
      const c = levels(t.autoencoder, 'decoder.up')
      let largest = 0
      let what = ''
      const consider = (ch: number, level: number) => {
        if (ch * pixels(req, level) > largest)
          [largest, what] = [ch * pixels(req, level), `${ch} channels at ${req.width >> level}×${req.height >> level}`]
      }
      // Level i works at 1/2^i and, above level 0, upsamples its channels to the next size before its conv.
      c.forEach((ch, i) => {
        consider(ch, i)
        if (i > 0) consider(ch, i - 1)
      })
      return { largest, what, scores: 0 }
    }
    case 'transformer': {
      const h = dim(t.transformer, 'img_in.weight', 0)
      const patchDown = 16
      const tokens = (req.width / patchDown) * (req.height / patchDown) * (1 + req.refs) + T5_TOKENS
      const single = dim(t.transformer, 'single_blocks.0.linear1.weight', 0)
      const mlp = dim(t.transformer, 'double_blocks.0.img_mlp.0.weight', 0)
      const width = Math.max(single, mlp, h)
      return { largest: tokens * width, what: `${tokens} tokens × ${width}`, scores: 0 }
    }
  }
}

export function activationTerms(t: PlanTensors, g: PlanGraph, req: PlanRequest, elementBytes: number): Activation {
  const { largest, what, scores } = terms(t, g, req)
  const k = PLAN_COEFFICIENTS.activation[g]
  return { largest, largestWhat: what, scores, bytes: (k * largest + scores) * elementBytes }
}

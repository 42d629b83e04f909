/**
 * The components the engine builds from checkpoints, by the names `kontext tensors --component`
 * uses, with each graph's interface in BFL's names:
 *   transformer: img, img_ids, txt, txt_ids, timesteps, y[, guidance] → pred
 *   ae-encode:   x → z        ae-decode: z → x
 *   clip:        input_ids → hidden, pooled      t5: input_ids → hidden
 */
import { buildAeDecoder, buildAeEncoder, FLUX1_AE_SCALING, type AeScaling } from './ae/autoencoder'
import { FLUX1_ROPE, type RopeConfig } from './flux/fluxConfig'
import { buildFluxTransformer } from './flux/fluxTransformer'
import type { AttentionKind } from './layers'
import type { FloatType, GraphBuilder } from './onnxGraph'
import type { TensorSource } from './tensorSource'
import { buildClipText } from './text/clipText'
import { buildT5Encoder } from './text/t5Encoder'

export const GRAPH_COMPONENTS = ['transformer', 'ae-encode', 'ae-decode', 'clip', 't5'] as const
export type GraphComponent = (typeof GRAPH_COMPONENTS)[number]

export const isGraphComponent = (s: string): s is GraphComponent => (GRAPH_COMPONENTS as readonly string[]).includes(s)

/** What the tensors cannot tell; defaults are FLUX.1's. */
export interface ComponentConfig {
  readonly rope?: RopeConfig
  readonly aeScaling?: AeScaling
  readonly attention?: AttentionKind
  /** CLIP's head count (default hidden / 64, as in every released CLIP text model). */
  readonly clipHeads?: number
  /**
   * float16 builds the transformer and T5 as mixed-precision fp16 graphs; CLIP and the autoencoder
   * are built float32 whatever is asked (ComponentGraph.precision says what was built).
   */
  readonly precision?: FloatType
}

export interface ComponentGraph {
  readonly component: GraphComponent
  readonly graph: GraphBuilder
  readonly inputs: readonly string[]
  readonly outputs: readonly string[]
  /** What the graph's weights were built in. */
  readonly precision: FloatType
}

export function buildComponent(component: GraphComponent, src: TensorSource, cfg: ComponentConfig = {}): ComponentGraph {
  const attention = cfg.attention ?? 'fused'
  switch (component) {
    case 'transformer': {
      const g = buildFluxTransformer(src, { rope: cfg.rope ?? FLUX1_ROPE, attention, precision: cfg.precision ?? 'float32' })
      return { component, graph: g.graph, inputs: g.inputs, outputs: g.outputs, precision: g.precision }
    }
    case 'ae-encode':
      return {
        component,
        graph: buildAeEncoder(src, { scaling: cfg.aeScaling ?? FLUX1_AE_SCALING, attention }).graph,
        inputs: ['x'],
        outputs: ['z'],
        precision: 'float32',
      }
    case 'ae-decode':
      return {
        component,
        graph: buildAeDecoder(src, { scaling: cfg.aeScaling ?? FLUX1_AE_SCALING, attention }).graph,
        inputs: ['z'],
        outputs: ['x'],
        precision: 'float32',
      }
    case 'clip':
      return {
        component,
        graph: buildClipText(src, cfg.clipHeads === undefined ? {} : { heads: cfg.clipHeads }).graph,
        inputs: ['input_ids'],
        outputs: ['hidden', 'pooled'],
        precision: 'float32',
      }
    case 't5': {
      const t5 = buildT5Encoder(src, { precision: cfg.precision ?? 'float32' })
      return { component, graph: t5.graph, inputs: ['input_ids'], outputs: ['hidden'], precision: t5.precision }
    }
  }
}

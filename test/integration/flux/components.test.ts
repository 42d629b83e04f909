/**
 * The components `kontext tensors --component` will name: each built graph, opened by
 * onnxruntime, declares BFL's tensor names (read back from the session, not from the builder),
 * and a checkpoint of the wrong kind is refused with a message that says what it is not.
 */
import { describe, expect, it } from 'vitest'
import { buildComponent, GRAPH_COMPONENTS } from '../../../engine/graph/components'
import { memoryTensorSource, readerTensorSource } from '../../../engine/graph/tensorSource'
import { openGraphBytes } from '../../../engine/sessions'
import { randomAeCheckpoint, TINY_AE } from '../../support/aeCheckpoint'
import { randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { clipTextSpecs, t5EncoderSpecs, tensorsFor, TINY } from '../../support/fluxCheckpoints'
import type { SourceTensor } from '../../../engine/graph/tensorSource'

const flux = memoryTensorSource(randomFluxCheckpoint(TINY_FLUX, 3))
const ae = memoryTensorSource(randomAeCheckpoint(TINY_AE, 3))
const textSource = (specs: ReturnType<typeof clipTextSpecs>) =>
  memoryTensorSource(
    new Map(
      tensorsFor(specs).map((t): [string, SourceTensor] => [
        t.name,
        { dtype: 'F32', shape: t.shape, data: (t.data as () => Float32Array)() },
      ]),
    ),
  )
const clip = textSource(clipTextSpecs(TINY.clip))
const t5 = textSource(t5EncoderSpecs(TINY.t5))
const SOURCES = { transformer: flux, 'ae-encode': ae, 'ae-decode': ae, clip, t5 }
const rope = { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta }

const EXPECTED = {
  transformer: { inputs: ['img', 'img_ids', 'txt', 'txt_ids', 'timesteps', 'y', 'guidance'], outputs: ['pred'] },
  'ae-encode': { inputs: ['x'], outputs: ['z'] },
  'ae-decode': { inputs: ['z'], outputs: ['x'] },
  clip: { inputs: ['input_ids'], outputs: ['hidden', 'pooled'] },
  t5: { inputs: ['input_ids'], outputs: ['hidden'] },
} as const
const INPUT_DTYPE = { transformer: 'float32', 'ae-encode': 'float32', 'ae-decode': 'float32', clip: 'int64', t5: 'int64' }

describe('graph components', () => {
  for (const c of GRAPH_COMPONENTS)
    it(`${c}: the session onnxruntime opens has BFL's input and output names`, async () => {
      const built = buildComponent(c, SOURCES[c], { rope, clipHeads: 2 })
      const s = await openGraphBytes(built.graph.toBytes(), c, { intraOpThreads: 1 })
      try {
        expect(s.io.inputs.map((i) => i.name)).toEqual(EXPECTED[c].inputs)
        expect(s.io.outputs.map((o) => o.name)).toEqual(EXPECTED[c].outputs)
        expect(s.io.inputs.every((i) => i.dtype === INPUT_DTYPE[c])).toBe(true)
      } finally {
        await s.release()
      }
    })

  it('refuses the autoencoder as a transformer and the transformer as an autoencoder', () => {
    expect(() => buildComponent('transformer', ae, { rope })).toThrow(/no tensor img_in\.weight.*FLUX transformer/)
    expect(() => buildComponent('ae-encode', flux)).toThrow(/not a FLUX autoencoder/)
    expect(() => buildComponent('clip', t5)).toThrow(/no tensor text_model\.embeddings/)
    expect(() => buildComponent('t5', clip)).toThrow(/no tensor .*embed_tokens|relative_attention_bias/)
  })

  it('reads through a checkpoint reader lazily: nothing while building, then only the tensors the graph uses', () => {
    const tensors = new Map([...randomAeCheckpoint(TINY_AE, 4)].map(([k, v]) => [k, { dtype: 'BF16', shape: v.shape, data: v.data }]))
    const read: string[] = []
    const src = readerTensorSource({
      tensors,
      readFloat32: (name) => {
        read.push(name)
        return tensors.get(name)!.data
      },
    })
    const built = buildComponent('ae-decode', src)
    expect(read).toEqual([])
    built.graph.toBytes()
    expect(read.length).toBeGreaterThan(0)
    expect(read.every((n) => n.startsWith('decoder.'))).toBe(true)
  })
})

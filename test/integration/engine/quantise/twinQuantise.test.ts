/**
 * Quantisation on the conformance twin (small random FLUX checkpoints in the official release's
 * layout): the graphs the engine builds and caches really hold MatMulNBits in place of every
 * weight MatMul (CLIP, T5, transformer; the autoencoder has none and stays float32), and each
 * component's output and a whole 3-step edit stay within the stated tolerance of float32 while
 * differing from it (a bypassed quantisation would show zero error). Figures: npm run bench:quantise.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import onnxProto from 'onnx-proto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { QUANTISE_SETTINGS, type QuantiseMode } from '../../../../engine/quantise/modes'
import type { CheckpointFolder } from '../../../../engine/pipeline/checkpointFolder'
import { COMPONENT_PART } from '../../../../engine/pipeline/checkpointModels'
import type { GraphComponent } from '../../../../engine/graph/components'
import { errorFigures, twinOutputs, writeTwin, TWIN_PARTS, type TwinOutputs } from '../../../support/quantiseTwins'

/** Largest |quantised − float32| allowed, as a share of the float32 output's largest magnitude. */
const TOLERANCE: Record<QuantiseMode, number> = { int8: 0.03, int4: 0.4 }
const QUANTISED = new Set(['clip', 't5', 'transformer'])

/** The cached graph files per component: cacheDir/<key>/<component>.onnx. */
function cachedGraphs(
  cacheDir: string,
): Map<string, { nodes: onnxProto.onnx.INodeProto[]; weightBytes: number; inits: Map<string, number[]> }> {
  const out = new Map()
  for (const key of readdirSync(cacheDir)) {
    const file = readdirSync(join(cacheDir, key)).find((f) => f.endsWith('.onnx'))!
    const m = onnxProto.onnx.ModelProto.decode(readFileSync(join(cacheDir, key, file)))
    const weights = join(cacheDir, key, file.replace(/\.onnx$/, '.weights'))
    out.set(file.replace(/\.onnx$/, ''), {
      nodes: m.graph!.node!,
      weightBytes: statSync(weights).size,
      inits: new Map(m.graph!.initializer!.map((t) => [t.name!, (t.dims ?? []).map(Number)])),
    })
  }
  return out
}

describe.each([
  ['bf16', undefined],
  ['float32', 'F32'],
] as const)('weight-only quantisation on the FLUX twin stored as %s', (_stored, dtype) => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-quant-'))
  let ck: CheckpointFolder
  let float: TwinOutputs
  beforeAll(async () => {
    ck = writeTwin(join(dir, 'twin'), dtype)
    float = await twinOutputs(ck, null, join(dir, 'float'))
  }, 300_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  for (const mode of ['int8', 'int4'] as const)
    it(`${mode}: MatMulNBits in the built graphs, every output within ${TOLERANCE[mode]}× its scale of float32`, async () => {
      const cache = join(dir, mode)
      const got = await twinOutputs(ck, QUANTISE_SETTINGS[mode], cache, float)
      const graphs = cachedGraphs(cache)
      const floats = cachedGraphs(join(dir, 'float'))
      expect([...graphs.keys()].sort()).toEqual(['ae-decode', 'ae-encode', 'clip', 't5', 'transformer'])
      for (const [component, g] of graphs) {
        const nbits = g.nodes.filter((n) => n.opType === 'MatMulNBits')
        // A layer's weight (named `….weight`) reaches a MatMul directly or through a Transpose (a
        // float32 file read in place); neither may be left. Other constants (RoPE frequencies) stay.
        const transposedInit = new Set(
          g.nodes.filter((n) => n.opType === 'Transpose' && g.inits.has(n.input![0]!)).map((n) => n.output![0]!),
        )
        const layerWeight = (name: string) => transposedInit.has(name) || (g.inits.has(name) && name.endsWith('.weight'))
        const weightMatMuls = g.nodes.filter((n) => n.opType === 'MatMul' && layerWeight(n.input![1]!))
        expect(weightMatMuls, component).toEqual([])
        if (!QUANTISED.has(component)) {
          expect(nbits, component).toEqual([])
          continue
        }
        expect(nbits.length, component).toBeGreaterThan(0)
        const bits = nbits.map((n) => `${n.domain}:${String(n.attribute!.find((a) => a.name === 'bits')!.i)}`)
        expect(new Set(bits), component).toEqual(new Set([`com.microsoft:${QUANTISE_SETTINGS[mode].bits}`]))
        // A float32 twin's float graphs read the checkpoint in place (no weights file): compare with its tensors.
        const inFile = [...ck.parts[COMPONENT_PART[component as GraphComponent]].tensors.values()]
        const floatBytes = floats.get(component)!.weightBytes || inFile.reduce((n, t) => n + 4 * t.shape.reduce((a, b) => a * b, 1), 0)
        expect(g.weightBytes, component).toBeLessThan(floatBytes)
      }
      for (const part of TWIN_PARTS) {
        const e = errorFigures(float[part], got[part])
        expect(e.max, part).toBeLessThanOrEqual(TOLERANCE[mode] * e.scale)
        if (part.startsWith('ae-')) expect(e.max, part).toBe(0)
        else expect(e.max, `${part} differs from float32`).toBeGreaterThan(0)
      }
    }, 300_000)
})

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
import { errorFigures, twinOutputs, writeTwin, TWIN_PARTS, type TwinOutputs } from '../../../support/quantiseTwins'

/** Largest |quantised − float32| allowed, as a share of the float32 output's largest magnitude. */
const TOLERANCE: Record<QuantiseMode, number> = { int8: 0.03, int4: 0.4 }
const QUANTISED = new Set(['clip', 't5', 'transformer'])

/** The cached graph files per component: cacheDir/<key>/<component>.onnx. */
function cachedGraphs(cacheDir: string): Map<string, { nodes: onnxProto.onnx.INodeProto[]; weightBytes: number; inits: Set<string> }> {
  const out = new Map()
  for (const key of readdirSync(cacheDir)) {
    const file = readdirSync(join(cacheDir, key)).find((f) => f.endsWith('.onnx'))!
    const m = onnxProto.onnx.ModelProto.decode(readFileSync(join(cacheDir, key, file)))
    const weights = join(cacheDir, key, file.replace(/\.onnx$/, '.weights'))
    out.set(file.replace(/\.onnx$/, ''), {
      nodes: m.graph!.node!,
      weightBytes: statSync(weights).size,
      inits: new Set(m.graph!.initializer!.map((t) => t.name!)),
    })
  }
  return out
}

describe('weight-only quantisation on the FLUX twin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-quant-'))
  let ck: CheckpointFolder
  let float: TwinOutputs
  beforeAll(async () => {
    ck = writeTwin(join(dir, 'twin'))
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
        const weightMatMuls = g.nodes.filter((n) => n.opType === 'MatMul' && g.inits.has(n.input![1]!))
        expect(weightMatMuls, component).toEqual([])
        if (!QUANTISED.has(component)) {
          expect(nbits, component).toEqual([])
          continue
        }
        expect(nbits.length, component).toBeGreaterThan(0)
        const bits = nbits.map((n) => `${n.domain}:${String(n.attribute!.find((a) => a.name === 'bits')!.i)}`)
        expect(new Set(bits), component).toEqual(new Set([`com.microsoft:${QUANTISE_SETTINGS[mode].bits}`]))
        expect(g.weightBytes, component).toBeLessThan(floats.get(component)!.weightBytes)
      }
      for (const part of TWIN_PARTS) {
        const e = errorFigures(float[part], got[part])
        expect(e.max, part).toBeLessThanOrEqual(TOLERANCE[mode] * e.scale)
        if (part.startsWith('ae-')) expect(e.max, part).toBe(0)
        else expect(e.max, `${part} differs from float32`).toBeGreaterThan(0)
      }
    }, 300_000)
})

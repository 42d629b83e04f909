/**
 * Zero-copy graph files: for a float32 checkpoint, the graph's external data points into the
 * .safetensors file itself (hard-linked beside the graph) instead of a copied NAME.weights, and
 * onnxruntime computes the same pred as from the copied weights. A bf16 checkpoint is copied.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer } from '../../../engine/graph/flux/fluxTransformer'
import { writeGraphFiles } from '../../../engine/graph/graphFiles'
import { readerTensorSource, type TensorSource } from '../../../engine/graph/tensorSource'
import { SessionPool } from '../../../engine/sessions'
import { openSafetensors } from '../../../engine/weights/safetensors'
import { writeSafetensors } from '../../../engine/weights/writer'
import { maxAbs } from '../../fixtures/engine/tensors'
import { randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { fluxCaseInputs } from '../../support/fluxInputs'

const rope = { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta }
const dir = mkdtempSync(join(tmpdir(), 'kontext-zerocopy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function checkpoint(dtype: 'F32' | 'BF16'): string {
  const file = join(dir, `flux-${dtype}.safetensors`)
  const w = randomFluxCheckpoint(TINY_FLUX, 5)
  writeSafetensors(
    file,
    [...w].map(([name, t]) => ({ name, dtype, shape: t.shape, data: t.data })),
  )
  return file
}

const feeds = fluxCaseInputs(
  TINY_FLUX,
  { name: 'z', batch: 1, txtLen: 4, target: [2, 3], context: [2, 3], timesteps: [0.5], guidance: [2.5] },
  4,
)

describe('graph files pointing into the safetensors file', () => {
  it('float32: no weight is copied, the checkpoint is linked beside the graph, and pred matches the copied graph', async () => {
    const file = checkpoint('F32')
    const reader = openSafetensors(file)
    const pool = new SessionPool({ provider: 'cpu', intraOpThreads: 1 })
    try {
      const src = readerTensorSource(reader)
      const copying: TensorSource = { names: src.names, shape: src.shape, get: src.get }
      const [inPlace, copied] = [join(dir, 'in-place'), join(dir, 'copied')]
      mkdirSync(inPlace)
      mkdirSync(copied)
      const a = writeGraphFiles(buildFluxTransformer(src, { rope }).graph, inPlace, 'transformer', { linkSources: true })
      const b = writeGraphFiles(buildFluxTransformer(copying, { rope }).graph, copied, 'transformer', { linkSources: true })

      const weightBytes = [...reader.tensors.values()].reduce((n, t) => n + t.byteLength, 0)
      // Every tensor above the inline threshold is read where it is; only the small ones are inline.
      expect(a.linkedBytes).toBeGreaterThan(0.95 * weightBytes)
      expect(a.externalBytes).toBe(0)
      expect(b.linkedBytes).toBe(0)
      expect(b.externalBytes).toBeGreaterThan(0.95 * weightBytes)
      expect(a.links).toEqual(['source-0.safetensors'])
      const link = statSync(join(inPlace, 'source-0.safetensors'))
      expect(link.ino).toBe(statSync(file).ino)
      expect(statSync(join(inPlace, 'transformer.onnx')).size).toBeLessThan(0.2 * weightBytes)

      const fromFile = (await (await pool.get('zc', 'in-place', a.model)).run(feeds)).pred!
      const fromCopy = (await (await pool.get('zc', 'copied', b.model)).run(feeds)).pred!
      expect(fromFile.dims).toEqual(fromCopy.dims)
      expect(maxAbs(fromFile.data as Float32Array, fromCopy.data as Float32Array)).toBeLessThan(1e-6)
    } finally {
      reader.close()
      await pool.release()
    }
  })

  it('bf16: the weights must be converted, so they are copied into NAME.weights', () => {
    const reader = openSafetensors(checkpoint('BF16'))
    try {
      const out = join(dir, 'bf16')
      mkdirSync(out)
      const f = writeGraphFiles(buildFluxTransformer(readerTensorSource(reader), { rope }).graph, out, 'transformer', { linkSources: true })
      expect(f.linkedBytes).toBe(0)
      expect(f.links).toEqual([])
      expect(f.externalBytes).toBeGreaterThan(0)
    } finally {
      reader.close()
    }
  })
})

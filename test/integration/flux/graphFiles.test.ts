/**
 * Built graphs written as NAME.onnx + NAME.weights (ONNX external data) — the form large
 * checkpoints need — load by path in onnxruntime and compute what the in-memory graph computes;
 * building reads no weights, and writing reads each checkpoint tensor exactly once.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildFluxTransformer } from '../../../engine/graph/flux/fluxTransformer'
import { writeGraphFiles } from '../../../engine/graph/graphFiles'
import { memoryTensorSource, type TensorSource } from '../../../engine/graph/tensorSource'
import { openGraphBytes, SessionPool } from '../../../engine/sessions'
import { maxAbs } from '../../fixtures/engine/tensors'
import { randomFluxCheckpoint, TINY_FLUX } from '../../support/fluxCheckpoint'
import { fluxCaseInputs } from '../../support/fluxInputs'

const rope = { axesDim: TINY_FLUX.axes_dim, theta: TINY_FLUX.theta }

describe('graph files with external data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kontext-graph-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('the transformer loads from NAME.onnx + NAME.weights and gives the in-memory graph’s pred', async () => {
    const weights = randomFluxCheckpoint(TINY_FLUX, 9)
    const inner = memoryTensorSource(weights)
    const reads = new Map<string, number>()
    const counting: TensorSource = {
      ...inner,
      get(name) {
        reads.set(name, (reads.get(name) ?? 0) + 1)
        return inner.get(name)
      },
    }
    const built = buildFluxTransformer(counting, { rope })
    expect(reads.size).toBe(0)
    const files = writeGraphFiles(built.graph, dir, 'transformer')
    expect([...reads.keys()].sort()).toEqual([...weights.keys()].sort())
    expect([...reads.values()].every((n) => n === 1)).toBe(true)

    const weightBytes = [...weights.values()].reduce((s, t) => s + t.data.byteLength, 0)
    expect(files.externalBytes).toBeGreaterThan(0.95 * weightBytes)
    expect(statSync(files.model).size).toBeLessThan(0.2 * weightBytes)

    const feeds = fluxCaseInputs(
      TINY_FLUX,
      { name: 'e', batch: 1, txtLen: 4, target: [2, 3], context: [2, 3], timesteps: [0.5], guidance: [2.5] },
      3,
    )
    const pool = new SessionPool({ provider: 'cpu', intraOpThreads: 1 })
    const memory = await openGraphBytes(buildFluxTransformer(inner, { rope }).graph.toBytes(), 'mem', { intraOpThreads: 1 })
    try {
      const fromFiles = (await (await pool.get('tiny', 'transformer', files.model)).run(feeds)).pred!
      const inMemory = (await memory.run(feeds)).pred!
      expect(fromFiles.dims).toEqual([1, 12, TINY_FLUX.out_channels])
      expect(maxAbs(fromFiles.data as Float32Array, inMemory.data as Float32Array)).toBeLessThan(1e-6)
    } finally {
      await pool.release()
      await memory.release()
    }
  })

  it('refuses a graph name that is a path', () => {
    const built = buildFluxTransformer(memoryTensorSource(randomFluxCheckpoint(TINY_FLUX, 9)), { rope })
    expect(() => writeGraphFiles(built.graph, dir, '../escape')).toThrow(/plain file name/)
  })
})

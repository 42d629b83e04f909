/**
 * What `models validate` and the engine say when the provider cannot run a graph's types: a real
 * onnxruntime failure on a graph whose weights are bfloat16 (as the published export's are), on
 * the CPU provider, which has no bf16 MatMul/Gemm kernels.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { graphLoadProblem, openGraphBytes } from '../../../../engine/sessions'
import { writeBf16WeightGraph } from '../../../support/fluxOnnxExport'

const tmp = mkdtempSync(join(tmpdir(), 'kontext-bf16w-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('a graph with bfloat16 weights on the CPU provider', () => {
  it('fails to load, and the message says why and what runs it instead', async () => {
    const file = join(tmp, 'bf16.onnx')
    writeBf16WeightGraph(file)
    const e = await openGraphBytes(readFileSync(file), 'bf16', { provider: 'cpu' }).then(
      () => null,
      (x: unknown) => x,
    )
    expect(e).not.toBeNull()
    const text = graphLoadProblem(e)
    expect(text).toContain('Could not find an implementation for MatMul')
    expect(text).toContain('no kernel for MatMul with the graph’s types on this provider (the CPU provider has none for bfloat16 weights)')
    expect(text).toContain('--provider cuda')
  })
})

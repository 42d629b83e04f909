/**
 * The provider checks before a GPU rung: the Vulkan loader is looked up where the dynamic loader
 * would find it, the child-process probe starts a provider on its identity graph and reports a
 * verdict, and the one line names what was skipped and why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { probeInChild, providerChoiceLine, providerPrecondition, sharedLibraryFindable } from '../../../engine/providerProbe'

const dir = mkdtempSync(join(tmpdir(), 'kontext-probe-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('provider probe', () => {
  it('finds a library on LD_LIBRARY_PATH and not one that is nowhere', () => {
    writeFileSync(join(dir, 'libkontext-probe-test.so.1'), '')
    expect(sharedLibraryFindable('libkontext-probe-test.so.1', { LD_LIBRARY_PATH: `/nonexistent:${dir}` })).toBe(true)
    expect(sharedLibraryFindable('libkontext-probe-test.so.1', {})).toBe(false)
  })

  it('has no precondition for CPU, nor for WebGPU off Linux', () => {
    expect(providerPrecondition('cpu', 'linux')).toBeNull()
    expect(providerPrecondition('webgpu', 'darwin')).toBeNull()
  })

  it('starts the CPU provider on its identity graph in a child, and names a provider that cannot start', async () => {
    expect(await probeInChild('cpu', (m) => m)).toBeNull()
    expect(await probeInChild('no-such-provider', () => 'refused')).toBe('refused')
  })

  it('says what was skipped and what runs in one line', () => {
    expect(providerChoiceLine('auto', [{ provider: 'webgpu', why: 'no Vulkan loader' }], 'cpu')).toBe(
      'engine: provider auto: webgpu skipped (no Vulkan loader); running on cpu',
    )
    expect(providerChoiceLine('cpu', [], 'cpu')).toBe('engine: provider cpu: running on cpu')
  })
})

/**
 * "Re-run with a new seed" on an edit, with the bundled kontext-tiny: the re-run gets a seed of its
 * own and a picture that differs where a designer would look, not a copy of the first take. (The
 * same seed gives the same picture: test/integration/engine/cli.test.ts.)
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlobHash, NodeId } from '../../../core/ids'
import { decodeRgb } from '../../../engine/image/imageIo'
import { systemClock, type HostClock } from '../../../main/services/clock'
import { EngineProcess } from '../../../main/services/engineProcess'
import { ProjectSession } from '../../../main/services/projectSession'
import { StudioHost } from '../../../main/services/studioHost'
import { goldenDir, tinyModelDir } from '../../fixtures/engine/paths'
import { MemoryProjectStore } from '../../support/memoryStore'

const context = new Uint8Array(readFileSync(join(goldenDir, 'c0_context.png')))
const engine = new EngineProcess({ modelDirs: [tinyModelDir], provider: 'cpu' })
// The host's seed source, fixed so the test is the same every run (any seed but the first's would do).
const clock: HostClock = { ...systemClock, newSeed: () => 424242 }

beforeAll(() => engine.start())
afterAll(() => engine.stop())

/** Share of pixels where some channel moved by more than `levels` (of 255). */
function changedShare(a: Uint8Array, b: Uint8Array, levels: number): number {
  let changed = 0
  for (let i = 0; i < a.length; i += 3) {
    const d = Math.max(Math.abs(a[i]! - b[i]!), Math.abs(a[i + 1]! - b[i + 1]!), Math.abs(a[i + 2]! - b[i + 2]!))
    if (d > levels) changed++
  }
  return changed / (a.length / 3)
}

describe('re-running an edit with a new seed', () => {
  it('gives a visibly different picture on kontext-tiny', async () => {
    const host = new StudioHost(new ProjectSession(new MemoryProjectStore()), engine, clock)
    const imported = (await host.handle('importImage', { fileName: 'ring.png', bytes: context })) as { nodeId: NodeId; blob: BlobHash }
    const first = (await host.handle('generate', {
      parentId: imported.nodeId,
      contextBlobs: [imported.blob],
      prompt: 'make the yellow ring green',
      steps: 8,
      seed: 7,
    })) as { nodeId: NodeId }
    await host.jobs.idle()
    const again = (await host.handle('rerunWithSeed', { nodeId: first.nodeId })) as { nodeId: NodeId }
    await host.jobs.idle()

    const nodes = host.session.snapshot().nodes
    const [a, b] = [nodes[first.nodeId], nodes[again.nodeId]]
    expect(a?.status).toBe('done')
    expect(b?.status).toBe('done')
    expect(b?.params?.seed).not.toBe(a?.params?.seed)
    expect(b?.parentId).toBe(imported.nodeId)
    const [ra, rb] = await Promise.all([a, b].map(async (n) => (await decodeRgb(host.session.readBlob(n!.resultBlob!)!)).rgb))
    const share = changedShare(ra!, rb!, 32)
    expect(share).toBeGreaterThan(0.01)
    await host.close()
  })
})

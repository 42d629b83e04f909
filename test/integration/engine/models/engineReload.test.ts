/**
 * The studio's engine reads its model folders when it starts; after a folder is linked into the
 * store (`linkFolder`, what the Models page's "Use this folder" does), `reloadModels` starts a
 * fresh engine that lists it under the record's id and runs it — with the quantisation recorded.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, describe, expect, it } from 'vitest'
import { linkFolder } from '../../../../engine/models/linkFolder'
import { ModelStore } from '../../../../engine/models/store'
import { EngineProcess } from '../../../../main/services/engineProcess'
import { TINY } from '../../../support/fluxCheckpoints'
import { writeOfficialRelease } from '../../../support/fluxFolders'
import { TWIN_CONFIG } from '../../../support/quantiseTwins'

const dir = mkdtempSync(join(tmpdir(), 'kontext-reload-'))
const storeRoot = join(dir, 'models')
const folder = join(dir, 'disk', 'twin')
writeOfficialRelease(folder, TINY)
writeFileSync(join(folder, 'kontext.json'), JSON.stringify(TWIN_CONFIG))
const store = new ModelStore(storeRoot)
const lines: string[] = []

describe('EngineProcess.reloadModels', () => {
  const listed = () => {
    try {
      return readdirSync(storeRoot).map((d) => join(storeRoot, d))
    } catch {
      return []
    }
  }
  const engine = new EngineProcess({ modelDirs: listed, provider: 'cpu', log: (l) => lines.push(l) })
  afterAll(async () => {
    await engine.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists a folder linked after start, and runs it quantised as recorded', async () => {
    await engine.start()
    expect((await engine.describe()).models).toEqual([])
    linkFolder(store, 'twin-q8', folder, { quantise: 'int8' })
    expect((await engine.describe()).models).toEqual([])
    await engine.reloadModels()
    const d = await engine.describe()
    expect(d.models.map((m) => m.id)).toEqual(['twin-q8'])
    const context = new Uint8Array(
      await sharp({ create: { width: 48, height: 32, channels: 3, background: '#3366cc' } })
        .png()
        .toBuffer(),
    )
    const r = await engine.run({ model: 'twin-q8', prompt: 'a red cat', contexts: [context], seed: 3, steps: 1, guidance: 2.5 }, {})
    expect([r.width, r.height]).toEqual([48, 32])
    expect(lines.join('\n')).toMatch(/transformer: [1-9]\d* of \d+ weight MatMuls as 8-bit MatMulNBits/)
  }, 300_000)
})

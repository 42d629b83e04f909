import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BUNDLED_CLIP_MERGES } from '../../../../engine/tokenizers/bundled'
import { inspectModelFolder, loadFolderTokenizers, openComponent, openSafetensors } from '../../../../engine/weights'
import { writeComfyCheckpoint, writeComfyFolder, writeOfficialRelease } from '../../../support/fluxFolders'

const tmp = mkdtempSync(join(tmpdir(), 'weights-api-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('weights API for the graph builder', () => {
  it('opens a component by its layout names, whatever prefix the file uses', () => {
    const dir = join(tmp, 'aio')
    mkdirSync(dir)
    const file = writeComfyCheckpoint(join(dir, 'all.safetensors'))
    const r = inspectModelFolder(dir)
    const tr = openComponent(r.components.find((c) => c.kind === 'transformer')!)
    const raw = openSafetensors(file)
    const stripped = tr.readFloat32('double_blocks.0.img_attn.qkv.weight')
    expect(stripped).toHaveLength(3 * 32 * 32)
    expect(stripped).toEqual(raw.readFloat32('model.diffusion_model.double_blocks.0.img_attn.qkv.weight'))
    expect(Math.max(...stripped.map(Math.abs))).toBeGreaterThan(0)
    tr.close()
    raw.close()
  })

  it('reads a sharded T5 tensor from its shard and loads the folder tokenizers', () => {
    const r = inspectModelFolder(writeOfficialRelease(join(tmp, 'release')))
    const t5 = openComponent(r.chosen.t5!)
    expect(t5.readFloat32('encoder.final_layer_norm.weight')).toHaveLength(32)
    t5.close()
    const tok = loadFolderTokenizers(r, BUNDLED_CLIP_MERGES)
    expect(tok.clip!.encode('a photo of a cat').slice(0, 8)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407, 49407])
    expect(tok.t5!.encode('a cat').slice(0, 4)).toEqual([4, 7, 1, 0])
  })

  it('falls back to the bundled CLIP merges for a ComfyUI folder', () => {
    const r = inspectModelFolder(writeComfyFolder(join(tmp, 'comfy')), { bundledClipMerges: BUNDLED_CLIP_MERGES })
    const tok = loadFolderTokenizers(r, BUNDLED_CLIP_MERGES)
    expect(tok.clip!.encode('make the shoe red').slice(0, 6)).toEqual([49406, 1078, 518, 7342, 736, 49407])
    expect(tok.t5).toBeUndefined()
  })
})

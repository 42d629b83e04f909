/**
 * The confinement check on its own: any name with a `..` segment or an absolute form is refused
 * before the disk is touched, a plain name inside the folder resolves to its real path, and what
 * we print of a name cannot carry terminal control characters.
 */
import fc from 'fast-check'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { confineFile, lexicalProblem, outwardLinks, printableName } from '../../../engine/manifest/confine'

const dir = mkdtempSync(join(tmpdir(), 'kontext-confine-'))
const model = join(dir, 'model')
mkdirSync(join(model, 'sub'), { recursive: true })
writeFileSync(join(model, 'sub', 'graph.onnx'), 'x')
writeFileSync(join(dir, 'outside.txt'), 'secret')
symlinkSync(join(model, 'sub', 'graph.onnx'), join(model, 'inner-link.onnx'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const segment = fc.stringMatching(/^[A-Za-z0-9_.-]{1,12}$/).filter((s) => s !== '..')

describe('confineFile', () => {
  it('refuses every name with a .. segment, whatever surrounds it', () => {
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 4 }), fc.array(segment, { maxLength: 4 }), fc.constantFrom('/', '\\'), (a, b, sep) => {
        const name = [...a, '..', ...b].join(sep)
        expect(lexicalProblem(name)).toContain('climbs out')
        expect(confineFile(model, name, 'f').ok).toBe(false)
      }),
    )
  })

  it('refuses absolute names in POSIX and Windows forms', () => {
    for (const name of ['/etc/passwd', '\\\\server\\share\\x.onnx', 'C:\\models\\x.onnx', 'c:x.onnx'])
      expect(lexicalProblem(name)).toContain('absolute path')
  })

  it('resolves plain names and links that stay inside, to the real path', () => {
    const plain = confineFile(model, 'sub/graph.onnx', 'f')
    const link = confineFile(model, 'inner-link.onnx', 'f')
    expect(plain).toMatchObject({ ok: true, value: { size: 1 } })
    expect(link.ok && plain.ok && link.value.path === plain.value.path).toBe(true)
  })

  it('refuses a link out, a missing file and a folder, naming field and name', () => {
    symlinkSync(join(dir, 'outside.txt'), join(model, 'out.onnx'))
    expect(confineFile(model, 'out.onnx', 'components.transformer.file')).toEqual({
      ok: false,
      error:
        'components.transformer.file: “out.onnx” resolves outside the model folder (through a symbolic link); copy the file into the folder instead',
    })
    expect(confineFile(model, 'nope.onnx', 'f')).toEqual({ ok: false, error: 'f: “nope.onnx” is missing' })
    expect(confineFile(model, 'sub', 'f')).toEqual({ ok: false, error: 'f: “sub” is not a regular file' })
  })
})

describe('a Hugging Face cache snapshot', () => {
  // The layout `huggingface-cli download` leaves: every file of a snapshot links to ../../blobs/SHA.
  const cache = join(dir, 'hub')
  const repo = join(cache, 'models--black-forest-labs--FLUX.1-Kontext-dev-onnx')
  const snapshot = join(repo, 'snapshots', 'abc123')
  mkdirSync(join(repo, 'blobs'), { recursive: true })
  mkdirSync(join(snapshot, 'transformer'), { recursive: true })
  writeFileSync(join(repo, 'blobs', 'sha-graph'), 'g')
  writeFileSync(join(cache, 'elsewhere.txt'), 'secret')
  symlinkSync('../../../blobs/sha-graph', join(snapshot, 'transformer', 'model.onnx'))
  symlinkSync('../../../elsewhere.txt', join(snapshot, 'escape.onnx'))

  it("resolves a snapshot's links into its own repository's blobs", () => {
    expect(confineFile(snapshot, 'transformer/model.onnx', 'f')).toMatchObject({ ok: true, value: { size: 1 } })
    expect(outwardLinks(snapshot)).toEqual(['escape.onnx'])
  })

  it('still refuses a link out of the repository, and blobs for a folder that is not a snapshot', () => {
    expect(confineFile(snapshot, 'escape.onnx', 'f').ok).toBe(false)
    const fake = join(dir, 'not-a-cache', 'snapshots', 'r')
    mkdirSync(join(dir, 'not-a-cache', 'blobs'), { recursive: true })
    mkdirSync(fake, { recursive: true })
    writeFileSync(join(dir, 'not-a-cache', 'blobs', 'b'), 'x')
    symlinkSync('../../blobs/b', join(fake, 'g.onnx'))
    expect(confineFile(fake, 'g.onnx', 'f').ok).toBe(false)
  })
})

describe('printableName', () => {
  it('never returns a control character and stays short', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (s) => {
        const shown = printableName(s)
        expect(shown).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/)
        expect(shown.length).toBeLessThanOrEqual(121)
      }),
    )
  })
})

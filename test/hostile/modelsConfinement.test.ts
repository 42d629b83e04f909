/**
 * Model folders cannot reach outside themselves. Each folder here is kontext-tiny with one
 * hostile or careless change: a `../` name, an absolute name, a link to a file or folder
 * outside, a tokenizer that is elsewhere or not a tokenizer, a manifest asking for 65536² images,
 * an empty graph. Every one is refused by the field and the name it gave, `kontext` exits with
 * the model code (4), the secret file beside the folders never reaches any output, and the
 * bundled model keeps working beside them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostileRoot, linkInPlace, modelFolder, type HostileRoot } from '../fixtures/engine/hostileModels'
import { goldenDir } from '../fixtures/engine/paths'
import { runCli } from '../fixtures/engine/runCli'

const base = mkdtempSync(join(tmpdir(), 'kontext-hostile-models-'))
const root: HostileRoot = hostileRoot(base)
/** Everything any command printed, checked at the end for the secret. */
const printed: string[] = []
const previousHome = process.env.KONTEXT_STUDIO_HOME

async function cli(...argv: string[]) {
  const r = await runCli(base, ...argv)
  printed.push(r.out, r.err)
  return r
}

beforeAll(() => {
  process.env.KONTEXT_STUDIO_HOME = base // knownModelDirs() reads $KONTEXT_STUDIO_HOME/models
})
afterAll(() => {
  if (previousHome === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = previousHome
  rmSync(base, { recursive: true, force: true })
})

/** `models validate` on one folder: exit 4 and the messages it printed. */
async function refused(dir: string): Promise<string> {
  const r = await cli('models', 'validate', dir)
  expect(r.code, r.err).toBe(4)
  return r.err
}

describe('files a manifest names must resolve inside the model folder', () => {
  it('refuses a graph named with ../, by field and name, without opening it', async () => {
    const dir = modelFolder(root, 'dotdot', (_, m) => void (m.components.transformer.file = '../../outside/secret.txt'))
    const err = await refused(dir)
    expect(err).toContain('components.transformer.file: “../../outside/secret.txt” climbs out of the model folder')
  })

  it('refuses an absolute graph name', async () => {
    const dir = modelFolder(root, 'absolute', (_, m) => void (m.components.vaeDecoder.file = root.secretPath))
    expect(await refused(dir)).toContain(`components.vaeDecoder.file: “${root.secretPath}” is an absolute path`)
  })

  it('refuses a graph that is a symbolic link to a file outside', async () => {
    const dir = modelFolder(root, 'linked-file', (d) => linkInPlace(d, 'transformer.onnx', root.secretPath))
    expect(await refused(dir)).toContain('components.transformer.file: “transformer.onnx” resolves outside the model folder')
  })

  it('refuses a graph inside a sub-folder that is a link to a folder outside', async () => {
    const dir = modelFolder(root, 'linked-folder', (d, m) => {
      linkInPlace(d, 'weights', root.outside)
      m.components.vaeEncoder.file = 'weights/secret.txt'
    })
    expect(await refused(dir)).toContain('components.vaeEncoder.file: “weights/secret.txt” resolves outside the model folder')
  })

  it('refuses a link out of the folder that a graph could read as external weights', async () => {
    const dir = modelFolder(root, 'linked-weights', (d) => linkInPlace(d, 'transformer.onnx_data', root.secretPath))
    expect(await refused(dir)).toContain('“transformer.onnx_data” is a link out of the model folder')
  })

  it('refuses a manifest that is itself a link to a file outside', async () => {
    const dir = modelFolder(root, 'linked-manifest', (d) => (linkInPlace(d, 'model.json', root.secretPath), 'written'))
    expect(await refused(dir)).toContain('model.json: “model.json” resolves outside the model folder')
  })

  it('refuses a tokenizer named elsewhere, or linked elsewhere', async () => {
    const named = modelFolder(
      root,
      'tokenizer-elsewhere',
      (_, m) => void (m.components.textEncoders[0]!.tokenizer.file = '../../outside/secret.txt'),
    )
    expect(await refused(named)).toContain('components.textEncoders.0.tokenizer.file: “../../outside/secret.txt” climbs out')
    const linked = modelFolder(root, 'tokenizer-linked', (d) => linkInPlace(d, 'tokenizer.json', root.secretPath))
    expect(await refused(linked)).toContain('components.textEncoders.0.tokenizer.file: “tokenizer.json” resolves outside')
    // The run path refuses it the same way (it used to crash printing the file's first line).
    const run = await cli('generate', '--model', linked, '--prompt', 'a red circle', '--steps', '1', '--provider', 'cpu', '--out', 'x.png')
    expect(run.code).toBe(4)
    expect(run.err).toContain('resolves outside the model folder')
    expect(run.err).not.toMatch(/SyntaxError|\n\s+at /)
  })
})

describe('broken files give a sentence of ours, never their contents', () => {
  it('a tokenizer.json that is not JSON is a typed model error, not a SyntaxError', async () => {
    const dir = modelFolder(root, 'tokenizer-not-json', (d) => writeFileSync(join(d, 'tokenizer.json'), `${root.secretLine}\n{}`))
    const err = await refused(dir)
    expect(err).toContain('tokenizer.json is not a valid tokenizer: it is not valid JSON')
    const run = await cli('generate', '--model', dir, '--prompt', 'a red circle', '--steps', '1', '--provider', 'cpu', '--out', 'x.png')
    expect(run.code).toBe(4)
    expect(run.err).toContain(`tokenizer.json in ${dir} is not a valid tokenizer: it is not valid JSON`)
    expect(run.err).not.toMatch(/SyntaxError|internal error|\n\s+at /)
  })

  it('a tokenizer.json of the wrong shape says where, not what', async () => {
    const dir = modelFolder(root, 'tokenizer-shape', (d) =>
      writeFileSync(join(d, 'tokenizer.json'), JSON.stringify({ model: root.secretLine })),
    )
    expect(await refused(dir)).toContain(
      'tokenizer.json is not a valid tokenizer: it does not have the shape of a tokenizer.json (check model)',
    )
  })

  it('a model.json that is not JSON says so, and where when the parser knows', async () => {
    const quoted = modelFolder(
      root,
      'manifest-not-json',
      (d) => (writeFileSync(join(d, 'model.json'), `{"id": ${root.secretLine}}`), 'written'),
    )
    expect(await refused(quoted)).toContain('model.json is not valid JSON.')
    const cut = modelFolder(root, 'manifest-cut', (d) => (writeFileSync(join(d, 'model.json'), `{"id": "${root.secretLine}"`), 'written'))
    expect(await refused(cut)).toMatch(/model\.json is not valid JSON \(at character \d+\)/)
  })

  it('unknown manifest keys are counted, and a key that could drive the terminal is not printed', async () => {
    const dir = modelFolder(root, 'manifest-keys', (_, m) => ({ ...m, [`\u001b]0;${root.secretLine}\u0007`]: 1 }))
    const err = await refused(dir)
    expect(err).toContain('(root): 1 unknown field')
    expect(err).not.toContain('\u001b')
  })
})

describe('what a manifest may ask for is bounded', () => {
  it('refuses 65536² and too many resolutions, and every bad one is listed', async () => {
    const dir = modelFolder(root, 'huge', (_, m) => {
      m.resolutions = [
        [65536, 65536],
        [64, 64],
        [64, 100000],
      ]
    })
    const err = await refused(dir)
    expect(err).toContain('resolutions.0.0: at most 4096 px a side')
    expect(err).toContain('resolutions.0.1: at most 4096 px a side')
    expect(err).toContain('resolutions.2.1: at most 4096 px a side')
    const many = modelFolder(root, 'many', (_, m) => {
      m.resolutions = Array.from({ length: 65 }, () => [64, 64])
    })
    expect(await refused(many)).toContain('resolutions: Too big')
  })

  it('refuses absurd steps, prompt lengths and names', async () => {
    const dir = modelFolder(root, 'absurd', (_, m) => {
      ;(m.defaults as { steps: number }).steps = 1_000_000
      m.components.textEncoders[0]!.tokenizer.maxLength = 10_000_000
      m.components.transformer.file = 'x'.repeat(5000)
    })
    const err = await refused(dir)
    expect(err).toContain('defaults.steps: Too big')
    expect(err).toContain('components.textEncoders.0.tokenizer.maxLength: Too big')
    expect(err).toContain('components.transformer.file: Too big')
  })
})

describe('models validate opens every graph and lists every problem at once', () => {
  it('reports an empty graph and a garbage graph together, in our words', async () => {
    const dir = modelFolder(
      root,
      'bad-graphs',
      (d) => {
        writeFileSync(join(d, 'transformer.onnx'), '')
        writeFileSync(join(d, 'ae_decoder.onnx'), `${root.secretLine}\n`)
      },
      { realGraphs: true },
    )
    const err = await refused(dir)
    expect(err).toContain('2 problems')
    expect(err).toContain('components.transformer.file: graph “transformer.onnx” is empty (0 bytes)')
    expect(err).toContain('components.vaeDecoder.file: graph “ae_decoder.onnx” is not an ONNX file')
    expect(err).not.toMatch(/onnxruntime::|\.cc:\d+|Load model from/)
  })
})

describe('one broken folder among the installed models', () => {
  const context = join(goldenDir, 'c2_context.png')

  it('is listed as broken with its reason; the others are listed and keep working', async () => {
    modelFolder(root, 'zz-broken-tokenizer', (d) => writeFileSync(join(d, 'tokenizer.json'), '{"model": 5'))
    const list = await cli('models')
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/^kontext-tiny\s+Kontext tiny \(bundled\)/m)
    expect(list.out).toMatch(
      /\(broken\)\s+\S*zz-broken-tokenizer\n\s+tokenizer\.json in \S+ is not a valid tokenizer: it is not valid JSON/,
    )
    expect(list.out).toMatch(/\(broken\)\s+\S*dotdot\n\s+The model folder \S+ is not usable: 1 problem — components\.transformer\.file/)
    const json = JSON.parse((await cli('models', '--json')).out) as { models: { id: string }[]; problems: { dir: string }[] }
    // Listing reads manifests and tokenizers, not graphs (`models validate` opens those).
    expect(json.models.map((m) => m.id)).toContain('kontext-tiny')
    expect(json.models.map((m) => m.id)).not.toContain('zz-broken-tokenizer')
    expect(json.problems.map((p) => p.dir)).toContain(join(root.models, 'zz-broken-tokenizer'))

    const edit = await cli(
      'edit',
      '--in',
      context,
      '--prompt',
      'make the circle red',
      '--steps',
      '2',
      '--provider',
      'cpu',
      '--out',
      'edit.png',
    )
    expect(edit.code, edit.err).toBe(0)
    expect(edit.out).toMatch(/^wrote edit\.png \(64×64/)
  })
})

describe('the secret beside the model folders', () => {
  it('appears in no output of any command above', () => {
    expect(printed.length).toBeGreaterThan(20)
    for (const text of printed) expect(text).not.toContain(root.secretLine)
  })
})

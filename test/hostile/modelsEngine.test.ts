/**
 * The engine beside broken model folders, and what it leaves behind: the studio's engine
 * process describes itself with the broken folders listed (instead of timing out) and runs jobs
 * on the bundled model; neither it nor the CLI writes anything into the user's home folder
 * (onnxruntime's telemetry keeps a device id and an event database there unless turned off);
 * and the CLI says in one line of its own which execution provider it chose, with no native
 * warning reaching the terminal.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EngineProcess } from '../../main/services/engineProcess'
import { hostileRoot, modelFolder } from '../fixtures/engine/hostileModels'
import { goldenDir, repoRoot, tinyModelDir } from '../fixtures/engine/paths'
import { runCli } from '../fixtures/engine/runCli'

const base = mkdtempSync(join(tmpdir(), 'kontext-hostile-engine-'))
const root = hostileRoot(base)
const brokenTokenizer = modelFolder(root, 'broken-tokenizer', (d) => writeFileSync(join(d, 'tokenizer.json'), `${root.secretLine}`))
const escaping = modelFolder(root, 'escaping', (_, m) => void (m.components.transformer.file = '../../outside/secret.txt'))
const context = new Uint8Array(readFileSync(join(goldenDir, 'c0_context.png')))

/** Every file and folder under `dir`, relative. */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()

afterAll(() => rmSync(base, { recursive: true, force: true }))

describe('the studio engine process with broken folders beside the bundled model', () => {
  const home = mkdtempSync(join(base, 'home-engine-'))
  const saved = { HOME: process.env.HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME }
  const logs: string[] = []
  let engine: EngineProcess

  beforeAll(async () => {
    // The engine process inherits this environment: its home is an empty folder of ours.
    process.env.HOME = home
    delete process.env.XDG_CACHE_HOME
    engine = new EngineProcess({ modelDirs: [tinyModelDir, brokenTokenizer, escaping], provider: 'cpu', log: (l) => logs.push(l) })
    await engine.start()
  })
  afterAll(async () => {
    await engine.stop()
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
  })

  it('describes itself with the broken folders listed and their reasons', async () => {
    const d = await engine.describe()
    expect(d.models.map((m) => m.id)).toEqual(['kontext-tiny'])
    expect(d.brokenModels?.map((b) => b.dir)).toEqual([brokenTokenizer, escaping])
    expect(d.brokenModels?.[0]?.message).toContain('tokenizer.json in')
    expect(d.brokenModels?.[0]?.message).toContain('is not a valid tokenizer: it is not valid JSON')
    expect(d.brokenModels?.[1]?.message).toContain('components.transformer.file: “../../outside/secret.txt” climbs out of the model folder')
    expect(JSON.stringify(d)).not.toContain(root.secretLine)
  })

  it('runs a job on the bundled model and leaves the home folder empty', async () => {
    const r = await engine.run({
      model: 'kontext-tiny',
      prompt: 'make the yellow ring green',
      contexts: [context],
      seed: 3,
      steps: 2,
      guidance: 1,
    })
    expect([r.width, r.height]).toEqual([64, 64])
    expect(tree(home)).toEqual([])
    expect(logs.join('\n')).not.toContain(root.secretLine)
  })
})

/** `kontext edit` in a child process (native output would show on its stderr) with HOME an empty folder. */
async function cliChild(name: string, extraEnv: Record<string, string> = {}) {
  const home = mkdtempSync(join(base, `home-${name}-`))
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, ...extraEnv }
  for (const k of ['XDG_CACHE_HOME', 'KONTEXT_PROVIDER', 'KONTEXT_STUDIO_HOME', 'ORT_DISABLE_TELEMETRY']) delete env[k]
  const argv = [
    'edit',
    '--in',
    join(goldenDir, 'c2_context.png'),
    '--prompt',
    'make the circle red',
    '--steps',
    '2',
    '--out',
    `${name}.png`,
  ]
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(repoRoot, 'bin', 'kontext'), ...argv], { cwd: base, env })
  return { home, stdout, lines: stderr.split('\n').filter(Boolean), stderr }
}

/** Nothing native (a C++ source location, Dawn's "Warning: Couldn't load Vulkan") reaches the terminal. */
const NATIVE = /\.(cc|cpp|h):\d+|Warning:|Vulkan:/

describe('the CLI on a machine as it comes (provider auto)', () => {
  it('writes nothing into HOME and says in one line which provider it chose', async () => {
    const r = await cliChild('auto')
    expect(r.stdout).toMatch(/^wrote auto\.png \(64×64/)
    expect(tree(r.home)).toEqual([])
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(/^engine: provider auto: .*running on (cuda|dml|webgpu|cpu)$/)
    expect(r.stderr).not.toMatch(NATIVE)
  })

  it('keeps native warnings of a broken Vulkan install off the terminal too', async () => {
    // An empty libvulkan.so.1 first on the library path: the loader "exists" but cannot load.
    const fake = mkdtempSync(join(base, 'fake-vulkan-'))
    writeFileSync(join(fake, 'libvulkan.so.1'), '')
    const r = await cliChild('broken-vulkan', { LD_LIBRARY_PATH: [fake, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') })
    expect(r.stdout).toMatch(/^wrote broken-vulkan\.png/)
    expect(r.lines).toHaveLength(1)
    expect(r.lines[0]).toMatch(/^engine: provider auto: .*running on (cuda|dml|webgpu|cpu)$/)
    expect(r.stderr).not.toMatch(NATIVE)
    expect(tree(r.home)).toEqual([])
  })

  it('with --provider cpu tries no GPU provider at all', async () => {
    const r = await runCli(base, 'generate', '--prompt', 'a red circle', '--steps', '1', '--provider', 'cpu', '--out', 'cpu.png')
    expect(r.code).toBe(0)
    expect(r.err).toBe('engine: provider cpu: running on cpu\n')
  })
})

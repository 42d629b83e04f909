/**
 * `kontext models list|add|import|verify|remove` through the CLI runner, against the loopback
 * imitation hub and folders the test writes in every layout users keep (small random checkpoints).
 * Everything the CLI prints is grepped for the token at the end.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FLUX1_KONTEXT_DEV } from '../../../../engine/models/catalogue'
import { repoRoot } from '../../../fixtures/engine/paths'
import { runCli } from '../../../fixtures/engine/runCli'
import {
  writeComfyCheckpoint,
  writeComfyFolder,
  writeDiffusersFolder,
  writeOfficialRelease,
  writeT5TokenizerDir,
} from '../../../support/fluxFolders'
import { ImitationHub } from '../../../support/imitationHub'

const work = mkdtempSync(join(tmpdir(), 'kontext-models-cli-'))
const TOKEN =
  'hf_CliToken' +
  Math.random()
    .toString(36)
    .slice(2)
    .replace(/[^a-z0-9]/g, 'q')
const printed: string[] = []
let hub: ImitationHub

async function cli(...argv: string[]) {
  const r = await runCli(work, ...argv)
  printed.push(r.out, r.err)
  return r
}

beforeAll(async () => {
  process.env.KONTEXT_STUDIO_HOME = join(work, 'home')
  delete process.env.HF_TOKEN
  const repo = writeOfficialRelease(join(work, 'repo'))
  writeFileSync(join(repo, 'LICENSE.md'), 'licence text\n')
  hub = new ImitationHub({ repo: FLUX1_KONTEXT_DEV.repo, folder: repo, gated: true, grantedTokens: [TOKEN] })
  await hub.start()
})
afterAll(async () => {
  await hub.close()
  delete process.env.HF_TOKEN
  expect(printed.join('\n')).not.toContain(TOKEN)
  rmSync(work, { recursive: true, force: true })
})

describe('kontext models', () => {
  it('list shows kontext-tiny as a demonstration model with its vocabulary, and what can be added', async () => {
    const r = await cli('models', 'list')
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/kontext-tiny .*— ready/)
    expect(r.out).toContain('demonstration model of a synthetic world of coloured shapes')
    expect(r.out).toMatch(/knows 43 words: .*circle.*triangle/)
    expect(r.out).toContain('Not installed: FLUX.1 Kontext [dev] — kontext models add flux1-kontext-dev')
    const j = JSON.parse((await cli('models', 'list', '--json')).out) as {
      cards: { id: string; kind: string; vocabulary: string[] | null }[]
    }
    expect(j.cards.find((c) => c.id === 'kontext-tiny')).toMatchObject({ kind: 'demonstration' })
  })

  it('add without a token explains the licence and the gate, and installs nothing', async () => {
    const r = await cli('models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url)
    expect(r.code).toBe(4)
    expect(r.err).toContain('FLUX.1 [dev] Non-Commercial License')
    expect(r.err).toContain('is gated')
    expect(r.err).toContain('accept its licence')
    expect((await cli('models', 'verify', 'flux1-kontext-dev')).err).toContain('not installed')
  })

  it('a token file others can read is refused; one readable only by its owner is used', async () => {
    const file = join(work, 'token')
    writeFileSync(file, TOKEN + '\n')
    chmodSync(file, 0o644)
    const loose = await cli('models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url, '--token-file', file)
    expect(loose.code).toBe(4)
    expect(loose.err).toMatch(/can be read by other users \(mode 644\).*\n.*chmod 600/)
    chmodSync(file, 0o600)
    const r = await cli('models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url, '--token-file', file)
    expect(r.code).toBe(0)
    expect(r.out).toMatch(/flux1-kontext-dev: installed and verified \(\d+ files, /)
    expect(r.err).toMatch(/flux1-kontext-dev\.safetensors \d+\/\d+ /)
  })

  it('list shows the installed card; verify re-reads every file and names a damaged one; remove deletes it', async () => {
    const list = JSON.parse((await cli('models', 'list', '--json')).out) as { cards: Record<string, unknown>[] }
    expect(list.cards.find((c) => c.id === 'flux1-kontext-dev')).toMatchObject({
      status: 'ready',
      precision: 'bf16',
      licence: { name: 'FLUX.1 [dev] Non-Commercial License' },
    })
    expect((await cli('models', 'verify', 'flux1-kontext-dev')).code).toBe(0)
    const dir = join(work, 'home', 'models', 'flux1-kontext-dev')
    writeFileSync(join(dir, 'ae.safetensors'), 'not an autoencoder')
    const v = await cli('models', 'verify', 'flux1-kontext-dev')
    expect(v.code).toBe(4)
    expect(v.out).toMatch(/BROKEN\n {2}- ae\.safetensors has 18 bytes/)
    expect((await cli('models', 'list')).out).toMatch(/flux1-kontext-dev .* — broken/)
    expect((await cli('models', 'remove', 'flux1-kontext-dev')).code).toBe(0)
    expect(existsSync(dir)).toBe(false)
  })

  it('add with HF_TOKEN works as well', async () => {
    process.env.HF_TOKEN = TOKEN
    const r = await cli('models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url, '--json')
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, id: 'flux1-kontext-dev' })
    delete process.env.HF_TOKEN
  })

  it('a studio killed mid-download (SIGKILL) resumes from the partial file on the next run', async () => {
    expect((await cli('models', 'remove', 'flux1-kontext-dev')).code).toBe(0)
    const BIG = 'flux1-kontext-dev.safetensors'
    const size = statSync(join(work, 'repo', BIG)).size
    const stall = size >> 1
    hub.holdAt.set(BIG, stall)
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'bin', 'kontext.js'), 'models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url],
      {
        cwd: work,
        env: { ...process.env, HF_TOKEN: TOKEN },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let childOut = ''
    child.stdout.on('data', (d: Buffer) => (childOut += d.toString()))
    child.stderr.on('data', (d: Buffer) => (childOut += d.toString()))
    const partialFile = join(work, 'home', 'models', 'flux1-kontext-dev.partial', BIG)
    await expect.poll(() => (existsSync(partialFile) ? statSync(partialFile).size : 0), { timeout: 60_000, interval: 50 }).toBe(stall)
    child.kill('SIGKILL')
    await once(child, 'exit')
    printed.push(childOut)
    expect((await cli('models', 'list')).out).toMatch(/flux1-kontext-dev .* — incomplete/)
    const before = hub.contentRequests(BIG).length
    process.env.HF_TOKEN = TOKEN
    const r = await cli('models', 'add', 'flux1-kontext-dev', '--hub-url', hub.url)
    delete process.env.HF_TOKEN
    expect(r.code).toBe(0)
    expect(
      hub
        .contentRequests(BIG)
        .slice(before)
        .map((q) => q.range),
    ).toEqual([`bytes=${stall}-${size - 1}`])
  })

  it('import links each layout in place, and refuses an incomplete folder naming every missing piece', async () => {
    const layouts: [string, (d: string) => void][] = [
      ['release', (d) => writeOfficialRelease(d)],
      ['diffusers', (d) => writeDiffusersFolder(d)],
      ['comfy', (d) => (writeComfyFolder(d), writeT5TokenizerDir(join(d, 'tokenizer_2')))],
      ['comfy-fp8', (d) => (writeComfyFolder(d, undefined, { fp8: true }), writeT5TokenizerDir(join(d, 't5tok')))],
      [
        'aio',
        (d) => (
          mkdirSync(join(d, 'checkpoints'), { recursive: true }),
          writeComfyCheckpoint(join(d, 'checkpoints/flux1-kontext-aio.safetensors')),
          writeT5TokenizerDir(join(d, 'tok'))
        ),
      ],
    ]
    for (const [name, write] of layouts) {
      const d = join(work, 'disk', name)
      write(d)
      const before = readdirSync(d, { recursive: true }).length
      const r = await cli('models', 'import', d)
      expect(r.code, `${name}: ${r.err}`).toBe(0)
      expect(r.out).toContain(`linked-${name}: linked in place`)
      expect(r.out).toMatch(/transformer +\S+\.(safetensors|json)/)
      // Used in place: the store holds only the record, nothing is copied.
      expect(readdirSync(join(work, 'home', 'models', `linked-${name}`))).toEqual(['install.json'])
      expect((await cli('models', 'verify', `linked-${name}`)).code).toBe(0)
      expect((await cli('models', 'remove', `linked-${name}`)).out).toContain('was left as it is')
      expect(readdirSync(d, { recursive: true }).length).toBe(before)
    }
    const bare = join(work, 'disk', 'bare')
    writeComfyFolder(bare)
    rmSync(join(bare, 'vae'), { recursive: true })
    const r = await cli('models', 'import', bare)
    expect(r.code).toBe(4)
    expect(r.err).toContain('No autoencoder found')
    expect(r.err).toContain('No T5 tokenizer')
    expect(existsSync(join(work, 'home', 'models', 'linked-bare'))).toBe(false)
    expect((await cli('models', 'import', '/')).err).toContain('whole disk or home folder')
  })
})

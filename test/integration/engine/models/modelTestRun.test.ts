/**
 * `kontext models test ID [--provider P]`: one real step of the model through the engine, with
 * the provider it ran on and the time, or the reason it could not run — and the provider list the
 * Models page shows says what each provider needs.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testRunJob } from '../../../../core/domain/modelTest'
import { listProviders } from '../../../../engine/sessions'
import { runCli } from '../../../fixtures/engine/runCli'

const work = mkdtempSync(join(tmpdir(), 'kontext-models-test-'))
const saved = process.env.KONTEXT_STUDIO_HOME
beforeAll(() => {
  process.env.KONTEXT_STUDIO_HOME = join(work, 'home')
})
afterAll(() => {
  if (saved === undefined) delete process.env.KONTEXT_STUDIO_HOME
  else process.env.KONTEXT_STUDIO_HOME = saved
  rmSync(work, { recursive: true, force: true })
})

describe('kontext models test', () => {
  it('runs one step of kontext-tiny on the CPU and says so, with the time', async () => {
    const r = await runCli(work, 'models', 'test', 'kontext-tiny', '--provider', 'cpu')
    expect(r.code, r.err).toBe(0)
    expect(r.out).toMatch(/^kontext-tiny: test run OK — 1 step at 64×64 on cpu in \d+\.\d s\.$/m)
    const j = JSON.parse((await runCli(work, 'models', 'test', 'kontext-tiny', '--provider', 'cpu', '--json')).out) as Record<
      string,
      unknown
    >
    expect(j).toMatchObject({ id: 'kontext-tiny', ok: true, provider: 'cpu', width: 64, height: 64, steps: 1, reason: null })
  })

  it('names the reason when it cannot run: an unknown model, a provider the engine does not know', async () => {
    const none = await runCli(work, 'models', 'test', 'no-such-model', '--provider', 'cpu')
    expect(none.code).toBe(4)
    expect(none.out).toContain('no-such-model: test run FAILED')
    expect(none.out).toContain('No model “no-such-model” is installed')
    const bad = await runCli(work, 'models', 'test', 'kontext-tiny', '--provider', 'tpu')
    expect(bad.code).toBe(5)
    expect(bad.err).toContain('“tpu” is not a provider the engine knows')
  })

  it('a closed-vocabulary model is tested with its own words at its smallest size', () => {
    const job = testRunJob({
      id: 'm',
      name: 'm',
      dir: '/m',
      defaultSteps: 4,
      defaultGuidance: 3,
      resolutions: [
        [128, 96],
        [64, 64],
        [96, 128],
      ],
      vocabulary: ['red', 'circle', 'blue', 'square'],
      maxContexts: 1,
    })
    expect(job).toMatchObject({ prompt: 'red circle blue', width: 64, height: 64, steps: 1, guidance: 3, contexts: [] })
  })

  it('lists each provider with whether the engine would use it and what it needs', () => {
    const ps = listProviders()
    expect(ps.find((p) => p.name === 'cpu')).toMatchObject({ usable: true, why: null })
    for (const p of ps.filter((q) => !q.usable)) expect(p.why, p.name).toBeTruthy()
    const cuda = ps.find((p) => p.name === 'cuda')
    if (cuda && !cuda.usable && process.platform === 'linux') expect(cuda.why).toContain('npm run gpu:install')
  })
})

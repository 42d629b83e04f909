/**
 * Typed engine exits: what each way of dying is called and what the user is told to do, and the
 * step down the provider ladder after a crash on a GPU provider. The process side runs against a
 * scripted child that speaks the engine's start-up protocol and picks its provider as the engine
 * does (the first rung of cuda → cpu not in $KONTEXT_PROVIDER_SKIP), then dies on a job on the GPU.
 */
import { describe, expect, it } from 'vitest'
import type { EngineState } from '../../../core/domain/engineTypes'
import { classifyExit, type EngineExitFacts } from '../../../main/services/engineExit'
import { EngineProcess } from '../../../main/services/engineProcess'
import type { EngineChild, SpawnOptions } from '../../../main/services/engineProcessChild'
import { StudioError } from '../../../core/result'

const facts = (f: Partial<EngineExitFacts>): EngineExitFacts => ({
  code: null,
  signal: null,
  duringStart: false,
  byHost: false,
  memoryPressure: false,
  ...f,
})

describe('an engine exit', () => {
  it('is out of memory for a SIGKILL or 137 with memory pressure, and for Windows’ STATUS_NO_MEMORY on its own', () => {
    expect(classifyExit(facts({ signal: 'SIGKILL', memoryPressure: true })).kind).toBe('oom')
    expect(classifyExit(facts({ code: 137, memoryPressure: true })).kind).toBe('oom')
    expect(classifyExit(facts({ code: 134, memoryPressure: true })).kind).toBe('oom')
    expect(classifyExit(facts({ code: 0xc0000017 })).kind).toBe('oom')
    expect(classifyExit(facts({ signal: 'SIGKILL', memoryPressure: true })).hint).toMatch(/smaller output size/)
  })

  it('is killed for a SIGKILL without evidence (still naming memory), crashed for an abort or a segfault', () => {
    const kill = classifyExit(facts({ signal: 'SIGKILL' }))
    expect(kill.kind).toBe('killed')
    expect(kill.hint).toMatch(/memory/)
    expect(classifyExit(facts({ code: 134 })).kind).toBe('crashed')
    expect(classifyExit(facts({ signal: 'SIGSEGV' }))).toMatchObject({ kind: 'crashed', why: 'it crashed, killed by SIGSEGV' })
  })

  it('is killed when the studio ended it, and launch-failed when it died before it was ready', () => {
    expect(classifyExit(facts({ signal: 'SIGTERM', byHost: true })).kind).toBe('killed')
    expect(classifyExit(facts({ code: 1, duringStart: true }))).toMatchObject({
      kind: 'launch-failed',
      why: 'it could not start, exit code 1',
    })
  })
})

/** A child that starts like the engine, says which provider it runs on, and dies on a job on the providers in `diesOn`. */
function gpuThatCrashes(
  spawned: Record<string, string>[],
  ladder: readonly string[] = ['cuda', 'cpu'],
  diesOn: readonly string[] = ['cuda'],
): (opts: SpawnOptions) => Promise<EngineChild> {
  return async (opts) => {
    spawned.push(opts.env)
    const skip = (opts.env.KONTEXT_PROVIDER_SKIP ?? '').split(',')
    const rung = ladder.find((p) => !skip.includes(p)) as string
    const onMessage: ((m: unknown) => void)[] = []
    const onExit: ((code: number | null, signal: string | null) => void)[] = []
    const say = (m: unknown) => setImmediate(() => onMessage.forEach((l) => l(m)))
    const die = (signal: string) => setImmediate(() => onExit.forEach((l) => l(null, signal)))
    say({ type: 'ready', pid: 100 + spawned.length })
    return {
      pid: 100 + spawned.length,
      send: (m) => {
        const msg = m as { type: string; id: number }
        if (msg.type === 'ping') say({ type: 'pong', id: msg.id })
        if (msg.type === 'submit') {
          say({ type: 'log', line: `engine: provider auto: running on ${rung}` })
          if (diesOn.includes(rung)) die('SIGSEGV')
          else say({ type: 'error', id: msg.id, error: { code: 'model.notFound', message: 'no such model' } })
        }
      },
      onMessage: (l) => void onMessage.push(l),
      onExit: (l) => void onExit.push(l),
      kill: () => die('SIGTERM'),
    }
  }
}

describe('a crash on a GPU provider', () => {
  it('tells the job it stepped down (so the host runs it again) and restarts the engine on the next rung, saying so', async () => {
    const spawned: Record<string, string>[] = []
    const states: [EngineState, string | null][] = []
    const engine = new EngineProcess({ modelDirs: [], spawn: gpuThatCrashes(spawned), restartBackoffMs: 0 })
    engine.onStateChange((s, r) => states.push([s, r]))
    await engine.start()
    const job = { model: 'm', prompt: 'p', contexts: [], seed: 1, steps: 2, guidance: 1 }
    const first = await engine.run(job).catch((e: unknown) => e)
    expect(first).toBeInstanceOf(StudioError)
    expect(first).toMatchObject({
      code: 'engine.steppedDown',
      message: expect.stringMatching(/stopped on cuda .*SIGSEGV.*runs the job again/),
    })
    expect(states).toContainEqual(['crashed', expect.stringMatching(/restarting it without cuda, on the next provider/)])

    // The replacement starts without cuda and says what it runs without once it is ready.
    const second = await engine.run(job).catch((e: unknown) => e)
    expect(second).toMatchObject({ code: 'model.notFound' })
    expect(spawned.map((e) => e.KONTEXT_PROVIDER_SKIP)).toEqual([undefined, 'cuda'])
    expect(states.at(-1)).toEqual(['ready', 'running without cuda, which crashed'])
    await engine.stop()
  })

  it('on the CPU, the last rung, fails the job as crashed', async () => {
    const spawned: Record<string, string>[] = []
    const engine = new EngineProcess({ modelDirs: [], spawn: gpuThatCrashes(spawned, ['cpu'], ['cpu']), restartBackoffMs: 0 })
    await engine.start()
    const job = { model: 'm', prompt: 'p', contexts: [], seed: 1, steps: 2, guidance: 1 }
    expect(await engine.run(job).catch((e: unknown) => e)).toMatchObject({ code: 'engine.crashed' })
    await engine.stop()
  })
})

/**
 * The restart path a kill -9 soak broke (issue 11): kill the engine, then kill its replacement as
 * soon as it appears. The host must keep restarting, with a pause that grows, until its budget of
 * tries is spent — and then say so in the engine state the status bar shows. Real engine
 * processes; the spawn is only wrapped so the test sees each child the moment it exists.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { EngineState } from '../../../core/domain/engineTypes'
import { EngineProcess } from '../../../main/services/engineProcess'
import { spawnEngineChild, type EngineChild, type SpawnOptions } from '../../../main/services/engineProcessChild'
import { tinyModelDir } from '../../fixtures/engine/paths'

interface Watched {
  readonly engine: EngineProcess
  readonly children: EngineChild[]
  readonly states: { state: EngineState; reason: string | null }[]
  /** Resolves with the next child started after the call. */
  nextChild(): Promise<EngineChild>
  /** Resolves when the engine reaches `state` (with a reason matching `reason`, when given). */
  reach(state: EngineState, reason?: RegExp): Promise<void>
}

function watchedEngine(options: { restartBudget?: number } = {}): Watched {
  const children: EngineChild[] = []
  const childWaiters: ((c: EngineChild) => void)[] = []
  const states: Watched['states'] = []
  const stateWaiters: (() => void)[] = []
  const spawn = async (opts: SpawnOptions): Promise<EngineChild> => {
    const child = await spawnEngineChild(opts)
    children.push(child)
    for (const w of childWaiters.splice(0)) w(child)
    return child
  }
  const engine = new EngineProcess({ modelDirs: [tinyModelDir], provider: 'cpu', spawn, restartBackoffMs: 20, ...options })
  engine.onStateChange((state, reason) => {
    states.push({ state, reason })
    for (const w of stateWaiters.splice(0)) w()
  })
  const reach = async (state: EngineState, reason?: RegExp): Promise<void> => {
    const seen = (): boolean => states.some((s) => s.state === state && (!reason || reason.test(s.reason ?? '')))
    while (!seen()) await new Promise<void>((resolve) => stateWaiters.push(resolve))
  }
  return { engine, children, states, nextChild: () => new Promise((resolve) => childWaiters.push(resolve)), reach }
}

const kill = (child: EngineChild): void => void process.kill(child.pid as number, 'SIGKILL')

describe('an engine killed while it restarts', () => {
  let current: Watched | null = null
  afterEach(async () => {
    await current?.engine.stop()
    current = null
  })

  it('is restarted again: the replacement killed at birth is followed by another that serves requests', async () => {
    const w = (current = watchedEngine())
    await w.engine.start()
    const first = w.children[0] as EngineChild
    const replacement = w.nextChild()
    kill(first)
    kill(await replacement)
    const third = w.nextChild()
    const survivor = await third
    // A request made while the engine is down waits for the restart instead of failing.
    const description = await w.engine.describe()
    expect(description.state).toBe('ready')
    expect(description.pid).toBe(survivor.pid)
    expect(w.children).toHaveLength(3)
    expect(w.states.map((s) => s.state)).toContain('restarting')
  })

  it('gives up after its budget of tries in a row and says so in the state the status bar shows', async () => {
    const w = (current = watchedEngine({ restartBudget: 3 }))
    await w.engine.start()
    // Every replacement dies as soon as it appears.
    let killing = true
    const killEach = async (): Promise<void> => {
      while (killing) {
        const child = await w.nextChild()
        if (killing) kill(child)
      }
    }
    void killEach()
    kill(w.children[0] as EngineChild)
    await w.reach('crashed', /not restarted again/)
    killing = false
    expect(w.children).toHaveLength(1 + 3)
    expect(w.engine.pid).toBeNull()
    const last = w.states[w.states.length - 1]
    expect(last).toMatchObject({ state: 'crashed' })
    expect(last?.reason).toMatch(/stopped 4 times in a row/)
    // The tries in between were announced with their number.
    expect(w.states.filter((s) => s.state === 'restarting' && s.reason !== null).map((s) => s.reason?.match(/try \d of 3/)?.[0])).toEqual([
      'try 1 of 3',
      'try 2 of 3',
      'try 3 of 3',
    ])
    // After giving up, the next request that needs the engine tries once more, and it works.
    expect((await w.engine.describe()).state).toBe('ready')
    expect(w.children).toHaveLength(5)
  })
})

/**
 * The job queue against an engine in memory (test/support/fakeEngine.ts) through the `EngineLike`
 * seam: order, reordering, cancelling (with or without the edits that wait on a node), retrying,
 * going on after the engine crashes, and halting when the engine stops restarting. The same queue
 * runs against the real engine in test/integration/host and the e2e stories.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import { queuedNodeIds } from '../../../core/domain/queue'
import type { ValidParams } from '../../../core/contract/api'
import type { NodeId } from '../../../core/ids'
import type { HistoryNode } from '../../../core/domain/model'
import type { HostClock } from '../../../main/services/clock'
import type { ImageService } from '../../../main/services/imageWorker'
import { JobRunner, type JobProgressEvent } from '../../../main/services/jobRunner'
import { ProjectSession } from '../../../main/services/projectSession'
import { FakeEngine } from '../../support/fakeEngine'
import { MemoryProjectStore } from '../../support/memoryStore'

let engine: FakeEngine
let session: ProjectSession
let runner: JobRunner
let steps: JobProgressEvent[]

function counterClock(): HostClock {
  let n = 0
  return { now: () => ++n, newId: () => `id${String(++n).padStart(4, '0')}`, newSeed: () => 1000 + ++n }
}

/** These tests queue nodes whose images are already stored: nothing asks the image worker. */
const noImages: ImageService = new Proxy({} as ImageService, {
  get: (_, name) => () => Promise.reject(new Error(`the queue asked the image worker for ${String(name)}`)),
})

function setUp(engineOptions: ConstructorParameters<typeof FakeEngine>[0] = {}): void {
  engine = new FakeEngine(engineOptions)
  session = new ProjectSession(new MemoryProjectStore())
  runner = new JobRunner(session, engine, counterClock(), noImages)
  steps = []
  runner.onProgress((e) => steps.push(e))
}

const request = (prompt: string, more: Partial<ValidParams<'generate'>> = {}): ValidParams<'generate'> => ({
  parentId: null,
  prompt,
  contextBlobs: [],
  steps: 3,
  seed: 7,
  width: 32,
  height: 32,
  ...more,
})
const queue = async (prompt: string, more: Partial<ValidParams<'generate'>> = {}): Promise<NodeId> =>
  (await runner.enqueue(request(prompt, more))).nodeId
const node = (id: NodeId): HistoryNode => session.snapshot().nodes[id] as HistoryNode
const prompts = (): string[] => engine.ran.map((r) => r.prompt)

beforeEach(() => setUp())

describe('the queue, in order', () => {
  it('runs jobs one at a time in queue order, a moved one where it was put, each with its steps', async () => {
    const held = engine.holdAt(1)
    const first = await queue('a red sky')
    const release = await held
    const second = await queue('a green sky')
    const third = await queue('a blue sky')
    expect(node(first).status).toBe('running')
    expect(queuedNodeIds(session.snapshot())).toEqual([second, third])
    runner.reorder(third, 0)
    expect(queuedNodeIds(session.snapshot())).toEqual([third, second])
    release()
    await runner.idle()

    expect(prompts()).toEqual(['a red sky', 'a blue sky', 'a green sky'])
    for (const id of [first, second, third]) expect(node(id)).toMatchObject({ status: 'done', error: null })
    const results = new Set([first, second, third].map((id) => node(id).resultBlob))
    expect(results.size).toBe(3)
    expect(steps.filter((s) => s.nodeId === second).map((s) => s.progress.step)).toEqual([1, 2, 3])
  })
})

describe('cancelling', () => {
  it('takes a queued job out before the engine sees it, and stops a running one at its next step', async () => {
    const held = engine.holdAt(2)
    const running = await queue('a red sky')
    const release = await held
    const waiting = await queue('a green sky')
    const after = await queue('a blue sky')
    expect(runner.cancel(waiting)).toEqual({ cancelled: true, children: 0 })
    expect(runner.cancel(running)).toEqual({ cancelled: true, children: 0 })
    release()
    await runner.idle()

    expect(node(running).status).toBe('cancelled')
    expect(node(waiting).status).toBe('cancelled')
    expect(node(after).status).toBe('done')
    expect(prompts()).toEqual(['a red sky', 'a blue sky'])
    // The cancelled job stopped where it was: no step after the one it was held at.
    expect(steps.filter((s) => s.nodeId === running).map((s) => s.progress.step)).toEqual([1])
  })

  it('cancels the edits that wait on a node with it, when asked', async () => {
    const held = engine.holdAt(1)
    const parent = await queue('a red sky')
    const release = await held
    const child = await queue('add a moon', { parentId: parent, contextFromParent: true })
    const grandchild = await queue('add stars', { parentId: child, contextFromParent: true })
    expect(runner.cancel(parent, true)).toEqual({ cancelled: true, children: 2 })
    release()
    await runner.idle()

    expect([parent, child, grandchild].map((id) => node(id).status)).toEqual(['cancelled', 'cancelled', 'cancelled'])
    expect(prompts()).toEqual(['a red sky'])
  })

  it('keeps them queued otherwise: they run, on the parent’s picture, once the parent is retried', async () => {
    const held = engine.holdAt(1)
    const parent = await queue('a red sky')
    const release = await held
    const child = await queue('add a moon', { parentId: parent, contextFromParent: true })
    const other = await queue('a green sky')
    expect(runner.cancel(parent)).toEqual({ cancelled: true, children: 0 })
    release()
    await runner.idle()

    // Nothing failed "because the parent did not finish": the child waits, the rest of the queue ran.
    expect(node(child)).toMatchObject({ status: 'queued', error: null })
    expect(node(other).status).toBe('done')
    expect(queuedNodeIds(session.snapshot())).toEqual([child])

    runner.retry(parent)
    await runner.idle()
    expect(node(parent).status).toBe('done')
    expect(node(child).status).toBe('done')
    const childRun = engine.ran.find((r) => r.prompt === 'add a moon')
    const parentResult = session.readBlob(node(parent).resultBlob ?? ('' as never))
    expect(childRun?.contexts[0]).toEqual(parentResult)
  })

  it('fails waiting edits with the reason when the parent failed (not cancelled)', async () => {
    setUp({ memoryPixels: 32 * 32 * 2 })
    const parent = await queue('a huge sky', { width: 512, height: 512 })
    const child = await queue('add a moon', { parentId: parent, contextFromParent: true })
    await runner.idle()
    expect(node(parent).error?.code).toBe('engine.oom')
    expect(node(child)).toMatchObject({ status: 'failed', error: { code: 'job.parentFailed' } })
  })
})

describe('when the engine dies', () => {
  it('fails the job it was running, restarts, and runs the rest of the queue; a retry runs it again', async () => {
    const held = engine.holdAt(2)
    const hit = await queue('a red sky')
    const next = await queue('a green sky')
    const release = await held
    engine.crash()
    release()
    await runner.idle()

    expect(node(hit)).toMatchObject({ status: 'failed', error: { code: 'engine.crashed' } })
    expect(node(next).status).toBe('done')
    expect(engine.restarts).toBe(1)

    runner.retry(hit)
    await runner.idle()
    expect(node(hit)).toMatchObject({ status: 'done', error: null })
  })

  it('runs the job again, before the rest, when the engine died under it on a GPU provider and stepped down', async () => {
    const held = engine.holdAt(2)
    const hit = await queue('a red sky')
    const next = await queue('a green sky')
    const release = await held
    engine.crashOnGpu()
    release()
    await runner.idle()

    expect(node(hit)).toMatchObject({ status: 'done', error: null })
    expect(node(next).status).toBe('done')
    expect(engine.restarts).toBe(1)
    // Twice for the one it was on (the second time from the start), then the next.
    expect(engine.ran.map((j) => j.prompt)).toEqual(['a red sky', 'a red sky', 'a green sky'])
  })

  it('says out of memory for a job too big for the device, and the next job still runs', async () => {
    setUp({ memoryPixels: 64 * 64 * 2 })
    const big = await queue('a huge sky', { width: 1024, height: 1024 })
    const small = await queue('a small sky')
    await runner.idle()
    expect(node(big)).toMatchObject({ status: 'failed', error: { code: 'engine.oom' } })
    expect(node(small).status).toBe('done')
  })

  it('halts, leaving the queue queued, when the engine stops restarting; the next request tries again', async () => {
    setUp({ restartBudget: 2 })
    const held = engine.holdAt(1)
    const hit = await queue('a red sky')
    const second = await queue('a green sky')
    const third = await queue('a blue sky')
    const release = await held
    // Both restart tries and the one more start-up the next job asks for fail.
    engine.breakStarts(3)
    engine.crash()
    release()
    await runner.idle()

    expect(node(hit).error?.code).toBe('engine.crashed')
    expect(node(second).error?.code).toBe('engine.startFailed')
    // Not failed one after another for the same reason: still queued, waiting for a working engine.
    expect(node(third)).toMatchObject({ status: 'queued', error: null })
    expect(prompts()).toEqual(['a red sky'])

    runner.retry(second)
    await runner.idle()
    expect([hit, second, third].map((id) => node(id).status)).toEqual(['failed', 'done', 'done'])
    expect(prompts()).toEqual(['a red sky', 'a blue sky', 'a green sky'])
  })
})

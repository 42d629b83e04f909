/**
 * `kontext models test ID`: the model's test run (core/domain/modelTest.ts) through an engine opened on
 * the chosen provider. The picture is really generated and decoded; only its size and the time
 * are reported. A failure is reported with its reason, never thrown.
 */
import { testRunJob, type TestRunResult } from '../../core/domain/modelTest'
import { toErrorData } from '../../core/result'
import type { KontextEngine } from '../engineService'

export async function testRunModel(engine: KontextEngine, id: string, signal?: AbortSignal): Promise<TestRunResult> {
  const summary = engine.summaries().find((m) => m.id === id)
  if (!summary) {
    const problem = engine.problems.find((p) => p.dir.endsWith(`/${id}`))
    const reason = problem ? problem.message : `No model “${id}” is installed (kontext models list shows the ids).`
    return { id, ok: false, provider: null, width: 0, height: 0, steps: 0, ms: 0, reason }
  }
  const job = testRunJob(summary)
  const start = performance.now()
  const base = { id, width: job.width, height: job.height, steps: job.steps }
  try {
    const r = await engine.run({ ...job, contexts: [...job.contexts] }, { previews: false, ...(signal ? { signal } : {}) })
    if (r.png.byteLength === 0) throw new Error('the engine returned an empty picture')
    return {
      ...base,
      width: r.width,
      height: r.height,
      ok: true,
      provider: engine.activeProvider,
      ms: performance.now() - start,
      reason: null,
    }
  } catch (e) {
    const d = toErrorData(e, 'engine.failed')
    return {
      ...base,
      ok: false,
      provider: engine.activeProvider,
      ms: performance.now() - start,
      reason: `${d.message}${d.hint ? ` ${d.hint}` : ''}`,
    }
  }
}

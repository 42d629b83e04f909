/**
 * The engine as `kontext edit` opens it (model folders, provider check, model lookup), for the
 * commands that keep one engine for many items: `kontext batch` and `kontext worker`.
 */
import { existsSync } from 'node:fs'
import { studioError, type Result, err, ok } from '../../core/result'
import type { ModelSummary } from '../../core/domain/engineTypes'
import { KontextEngine } from '../engineService'
import { DEFAULT_MODEL_ID, knownModelDirs, modelFolderArg } from './modelDirs'

export interface OpenedEngine {
  readonly engine: KontextEngine
  readonly model: ModelSummary
}

export function openEngine(opts: { model?: string; provider?: string; cwd: string; log: (line: string) => void }): Result<OpenedEngine> {
  const folder = opts.model ? modelFolderArg(opts.model, opts.cwd) : null
  if (folder && !existsSync(folder)) return err(studioError('model.notFound', `--model ${opts.model}: no such folder.`))
  const engine = new KontextEngine({
    modelDirs: folder ? [folder] : knownModelDirs(),
    ...(opts.provider ? { provider: opts.provider } : {}),
    log: opts.log,
  })
  const provider = engine.checkProvider()
  if (!provider.ok) return err(provider.error)
  const problem = folder ? engine.problems[0] : undefined
  if (problem) return err(studioError('model.invalid', problem.message, `Run \`kontext models validate ${opts.model}\` for details.`))
  const id = folder ? engine.summaries()[0]?.id : (opts.model ?? DEFAULT_MODEL_ID)
  const model = engine.summaries().find((m) => m.id === id)
  if (!model) {
    const installed =
      engine
        .summaries()
        .map((m) => m.id)
        .join(', ') || 'none'
    return err(studioError('model.unknown', `No model “${opts.model ?? DEFAULT_MODEL_ID}” is installed.`, `Installed: ${installed}.`))
  }
  return ok({ engine, model })
}

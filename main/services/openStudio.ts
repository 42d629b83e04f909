/** Composes the host for one project: store → session → engine → services. */
import { existsSync } from 'node:fs'
import { StudioError } from '../../core/result'
import { openProjectStore } from '../store/sqliteProjectStore'
import type { HostClock } from './clock'
import type { EngineLike } from './engineLike'
import { ProjectSession } from './projectSession'
import { StudioHost } from './studioHost'

export interface OpenStudioOptions {
  readonly projectPath: string
  readonly engine: EngineLike
  readonly clock: HostClock
}

/** Opens (or creates, when the file does not exist yet) a project; throws a StudioError on refusal. */
export function openStudio(options: OpenStudioOptions): StudioHost {
  const create = !existsSync(options.projectPath)
  const store = openProjectStore(options.projectPath, { create })
  if (!store.ok) throw new StudioError(store.error)
  const host = new StudioHost(new ProjectSession(store.value), options.engine, options.clock)
  host.resumeQueue()
  return host
}

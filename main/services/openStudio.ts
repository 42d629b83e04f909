/** Composes the host for one project: store → session → engine → services. */
import { existsSync } from 'node:fs'
import { StudioError } from '../../core/result'
import { openProjectStore } from '../store/sqliteProjectStore'
import type { ProjectStore } from '../store/projectStore'
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
export function openStudio(options: OpenStudioOptions & { readOnly?: boolean }): StudioHost {
  const create = !existsSync(options.projectPath) && options.readOnly !== true
  const store = openProjectStore(options.projectPath, { create, readOnly: options.readOnly === true })
  if (!store.ok) throw new StudioError(store.error)
  return studioForStore(store.value, options.engine, options.clock)
}

/** The host around an already open store (after Save as…, or a read-only recovery open). */
export function studioForStore(store: ProjectStore, engine: EngineLike, clock: HostClock): StudioHost {
  const host = new StudioHost(new ProjectSession(store), engine, clock)
  if (!store.readOnly) host.resumeQueue()
  host.warmUp()
  return host
}

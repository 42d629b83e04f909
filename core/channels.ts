/**
 * Electron IPC channel names, one per request of the contract. `satisfies` plus the type test in
 * test/types keeps this list and `RequestSchemas` from drifting apart.
 */
import type { RequestName } from './api'

export const Channels = {
  getProject: 'project:get',
  importImage: 'image:import',
  describeEngine: 'engine:describe',
  generate: 'job:generate',
  cancelJob: 'job:cancel',
  setNodeLabel: 'node:label',
  setNodeStarred: 'node:star',
  trashBranch: 'node:trash',
  restoreBranch: 'node:restore',
} as const satisfies Record<RequestName, string>

/** The one channel host → renderer events travel on. */
export const EVENT_CHANNEL = 'studio:event'

export const requestNames = Object.keys(Channels) as RequestName[]

/**
 * Electron IPC channel names, one per request of the contract. `satisfies` plus the type test in
 * test/types keeps this list and `RequestSchemas` from drifting apart.
 */
import type { RequestName } from './api'

export const Channels = {
  getProject: 'project:get',
  updateProject: 'project:update',
  importImage: 'image:import',
  describeEngine: 'engine:describe',
  generate: 'job:generate',
  cancelJob: 'job:cancel',
  setNodeLabel: 'node:label',
  setNodeStarred: 'node:star',
  trashBranch: 'node:trash',
  restoreBranch: 'node:restore',
  emptyTrash: 'project:emptyTrash',
  rerunWithSeed: 'node:rerunSeed',
  rerunBranch: 'node:rerunBranch',
  reorderJob: 'job:reorder',
  retryJob: 'job:retry',
  cancelAllJobs: 'job:cancelAll',
  addFrame: 'frame:add',
  moveFrame: 'frame:move',
  updateFrame: 'frame:update',
  removeFrame: 'frame:remove',
  nextShot: 'frame:nextShot',
  applyToFrames: 'frame:applyAll',
  acceptCandidate: 'frame:accept',
  discardCandidate: 'frame:discard',
  exportNode: 'export:node',
  exportStoryboard: 'export:storyboard',
  exportBranch: 'export:branch',
  exportComposite: 'export:composite',
  measureDrift: 'node:drift',
  searchNodes: 'node:search',
  storeImage: 'image:store',
  saveLayers: 'layers:save',
  listModels: 'models:list',
  addModel: 'models:add',
  cancelModelDownload: 'models:cancel',
  removeModel: 'models:remove',
  importModelFolder: 'models:import',
  verifyModel: 'models:verify',
  testModel: 'models:test',
  fitModel: 'models:fit',
  startBatch: 'batch:start',
  cancelBatch: 'batch:cancel',
  exportBatch: 'batch:export',
  pauseBatch: 'batch:pause',
  calibrateBatch: 'batch:calibrate',
} as const satisfies Record<RequestName, string>

/** The one channel host → renderer events travel on. */
export const EVENT_CHANNEL = 'studio:event'

export const requestNames = Object.keys(Channels) as RequestName[]

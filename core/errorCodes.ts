/**
 * Every error code the studio, the engine and the CLI produce, so a typo in `studioError(…)` fails
 * the type check. A code is `area.what` (area: the part of the studio a user would blame); codes
 * are stable (scripts and tests read them), so one is added here, never renamed.
 *
 * `StudioErrorData.code` stays a string: data that crossed a process boundary may come from a
 * newer engine or an older project file, and is passed on as it is (see `errorData`).
 */
export const ERROR_CODES = [
  // batch
  'batch.noQueue',
  'batch.notFound',
  'batch.nothingAccepted',
  // blob
  'blob.missing',
  'blob.notFound',
  // branch
  'branch.empty',
  'branch.ids',
  'branch.notAncestor',
  // cli
  'cli.usage',
  // drift
  'drift.noImage',
  // engine
  'engine.badMessage',
  'engine.busy',
  'engine.crashed',
  'engine.failed',
  'engine.killed',
  'engine.notRunning',
  'engine.oom',
  'engine.startFailed',
  'engine.startTimeout',
  'engine.steppedDown',
  'engine.stopped',
  'engine.timeout',
  'engine.unavailable',
  // export
  'export.noImage',
  'export.tooLarge',
  // file
  'file.badCases',
  'file.nameClash',
  'file.noImages',
  'file.notAFile',
  'file.notAFolder',
  'file.notFound',
  'file.outUnwritable',
  'file.unreadable',
  'file.writeFailed',
  // frame
  'frame.duration',
  'frame.noCandidate',
  'frame.noImage',
  'frame.notFound',
  'frame.notInLineage',
  // frames
  'frames.noneSelected',
  // host
  'host.disconnected',
  'host.unreachable',
  // image
  'image.badMessage',
  'image.badReply',
  'image.corrupt',
  'image.empty',
  'image.failed',
  'image.notAnImage',
  'image.tooLarge',
  'image.tooManyPixels',
  'image.unsupportedFormat',
  'image.workerCrashed',
  'image.workerStartFailed',
  'image.workerStopped',
  // internal
  'internal',
  // job
  'job.cancelled',
  'job.failed',
  'job.interrupted',
  'job.invalid',
  'job.noParent',
  'job.notFound',
  'job.notQueued',
  'job.notRetryable',
  'job.parentFailed',
  'job.tooLarge',
  'job.tooManyContexts',
  'job.waiting',
  // layers
  'layers.duplicateId',
  // model
  'model.badFolder',
  'model.badId',
  'model.busy',
  'model.diskFull',
  'model.download',
  'model.exists',
  'model.gated',
  'model.hashMismatch',
  'model.incomplete',
  'model.invalid',
  'model.notFound',
  'model.token',
  'model.unknown',
  // node
  'node.notFound',
  'node.notGenerated',
  // project
  'project.locked',
  'project.name',
  'project.none',
  // prompt
  'prompt.empty',
  'prompt.tooLong',
  'prompt.unknownWords',
  'prompt.untokenizable',
  // provider
  'provider.unsupported',
  // queue
  'queue.unreachable',
  // region
  'region.emptyMask',
  'region.noContext',
  'region.noTransparency',
  'region.unreadable',
  // request
  'request.forbidden',
  'request.invalid',
  'request.unknown',
  // store
  'store.alreadyExists',
  'store.backupFailed',
  'store.blobDamaged',
  'store.blobInUse',
  'store.blobMismatch',
  'store.blobMissing',
  'store.corrupt',
  'store.diskFull',
  'store.empty',
  'store.foreignDatabase',
  'store.inconsistent',
  'store.io',
  'store.isDirectory',
  'store.newerVersion',
  'store.noDriver',
  'store.notAProject',
  'store.notFound',
  'store.permissionDenied',
  'store.readOnly',
  'store.recoveredWithoutImage',
  'store.truncated',
  // storyboard
  'storyboard.empty',
  'storyboard.frameNotReady',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

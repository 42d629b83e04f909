/**
 * The project store's public surface for the host. Everything else in main/store is internal.
 * See README.md beside this file for the durability choices.
 */
export type { ProjectStore, ProjectQueries } from './projectStore'
export { openProjectStore, createProjectStore, SqliteProjectStore, type OpenProjectOptions } from './sqliteProjectStore'
export { exportCopy, saveAs, importCopy, type CopyOptions } from './backup'
export { exportReadable, type RecoveryReport } from './recovery'
export { repairCopy, type RepairReport } from './repair'
export { checkConsistency, planRepair, type Problem } from './consistency'
export { listRecent, addRecent, removeRecent, type RecentProject, RECENT_FILE, RECENT_LIMIT } from './recent'
export type { EmptyTrashReport } from './trash'
export type { Thumbnail } from './thumbnails'
export { availableDrivers, type DriverName } from './driver'
export { APPLICATION_ID, CURRENT_VERSION } from './schema/migrations'

/**
 * v3: a job row is only a place in the queue. v2 kept a job's state, step, step count, attempts
 * and error beside its node's, moved in lockstep (step and attempts were never read); the node's
 * status and error are the job's now, so those columns go. Nothing else changes.
 */
import type { SqlDatabase } from '../driver'

/** v2 → v3 (and the last step of a fresh schema): the jobs table without its own state. */
export function migrateV2toV3(db: SqlDatabase): void {
  db.exec(`
    DROP INDEX IF EXISTS jobs_state_order;
    DROP INDEX IF EXISTS jobs_node;
    CREATE TABLE jobs_v3 (
      id TEXT PRIMARY KEY,
      node_id TEXT NOT NULL,
      ord REAL NOT NULL,
      created_at INTEGER NOT NULL
    );
    INSERT INTO jobs_v3 (id, node_id, ord, created_at) SELECT id, node_id, ord, created_at FROM jobs ORDER BY rowid;
    DROP TABLE jobs;
    ALTER TABLE jobs_v3 RENAME TO jobs;
    CREATE INDEX IF NOT EXISTS jobs_order ON jobs(ord);
    CREATE INDEX IF NOT EXISTS jobs_node ON jobs(node_id);
  `)
}

import { MockActivityEnvironment } from '@temporalio/testing';
import { createDb, createPool } from '../../db/pool';
import { loadConfig, loadEnv } from '../../config/config';
import { ingestActivities } from '../../activities/ingest';
import type { TaskResult } from '../../workflow-safe/dag';

/**
 * The real `ingest` activity, run in Temporal's mock activity context (no server, no worker)
 * against a real database: for tests that care about what ingest loads, not about the workflow.
 */
export async function runIngestActivity(databaseUrl: string, configFile: string, workflowId = `ingest-${Date.now()}`): Promise<TaskResult> {
  const pool = createPool(databaseUrl, 4);
  const db = createDb(pool);
  try {
    const deps = { pool, db, config: loadConfig(configFile), env: loadEnv({ DATABASE_URL: databaseUrl }) };
    const { ingest } = ingestActivities(deps);
    const window = { start: '2026-11-01T10:00:00Z', end: '2026-11-01T11:00:00Z' };
    return await new MockActivityEnvironment().run(ingest, { workflowId, runId: 'test', window });
  } finally {
    await db.destroy();
  }
}

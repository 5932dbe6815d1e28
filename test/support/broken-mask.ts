import pg from 'pg';
import type { Harness } from './harness';

/**
 * Runs `fn` while the mask step's table is renamed away: mask then fails at once (a missing
 * relation is a permanent Postgres error, see temporal/step-errors.ts). The table is put back
 * afterwards, which is the "repair".
 */
export async function withMaskStepBroken<T>(h: Harness, fn: () => Promise<T>): Promise<T> {
  await h.sql('alter table govflow.masked_events rename to masked_events_hidden');
  try {
    return await fn();
  } finally {
    await h.sql('alter table govflow.masked_events_hidden rename to masked_events');
  }
}

/**
 * Holds the mask step up for real: a transaction locks its table until the returned function
 * lets go. Used to make a run outlast its deadline without any timing assumption.
 */
export async function holdMaskStep(h: Harness): Promise<() => Promise<void>> {
  const locker = new pg.Client({ connectionString: h.databaseUrl });
  await locker.connect();
  await locker.query('begin');
  await locker.query('lock table govflow.masked_events in access exclusive mode');
  return async () => {
    await locker.query('rollback').catch(() => {});
    await locker.end();
  };
}

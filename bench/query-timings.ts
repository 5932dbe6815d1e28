import pg from 'pg';

// Where a step's time goes, query by query: every query any pg client of this process sends,
// timed from when it is sent to when its promise settles (time queued on a busy connection
// included, as the step sees it). For the bench/*-once.ts scripts, which run one activity in a
// process of their own; never loaded by a worker.

/** A query's first 110 characters (whitespace collapsed) and its seconds. */
export interface QueryTiming {
  sql: string;
  seconds: number;
}

/** Starts timing every query sent from now on; the returned array fills as queries settle. */
export function timeQueries(): QueryTiming[] {
  const queries: QueryTiming[] = [];
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function timed(this: pg.Client, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text ?? '';
    const t0 = process.hrtime.bigint();
    const result = query.apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      void (result as Promise<unknown>).then(
        () => queries.push({ sql: text.replace(/\s+/g, ' ').trim().slice(0, 110), seconds: Number(process.hrtime.bigint() - t0) / 1e9 }),
        () => {},
      );
    }
    return result;
  } as typeof pg.Client.prototype.query;
  return queries;
}

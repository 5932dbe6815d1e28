import pg from 'pg';
import type { Window } from '../workflow-safe/window';

// "Is there anything to govern in this window?" — asked before a run starts, from the raw tables.
// A window that ends before the earliest event govflow holds is most likely a typo (a wrong year);
// the run still goes on, since its sources may hold older data not loaded yet.

/**
 * The earliest `occurred_at` in the raw event tables (access, audit trail, consent), or undefined
 * when they are empty or cannot be read: a best-effort check that never holds a run up for long
 * (3 s to connect, 3 s per statement).
 */
export async function earliestDataHeld(databaseUrl: string): Promise<Date | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000, statement_timeout: 3000, application_name: 'govflow' });
  try {
    await client.connect();
    const { rows } = await client.query<{ earliest: Date | null }>(
      `select least((select min(occurred_at) from govflow.access_events),
                    (select min(occurred_at) from govflow.audit_trail_events),
                    (select min(occurred_at) from govflow.consent_events)) as earliest`,
    );
    return rows[0]?.earliest ?? undefined;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}

/** One line for stderr when `w` ends at or before the earliest data held; undefined otherwise. */
export async function windowBeforeDataWarning(databaseUrl: string, w: Window): Promise<string | undefined> {
  const earliest = await earliestDataHeld(databaseUrl);
  if (!earliest || new Date(w.end).getTime() > earliest.getTime()) return undefined;
  return `warning: the window ${w.start} → ${w.end} ends before the earliest data govflow holds (${earliest.toISOString()}); the run goes on, but unless its sources hold older data it will find nothing`;
}

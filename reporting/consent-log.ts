import { sql } from 'kysely';
import type { Db } from '../db/pool';
import type { RunRef } from '../workflow-safe/run-ref';
import type { SourceConfig } from '../config/config';
import { countOf, inWindow } from '../db/sql-window';
import { consentStateByPurpose, quarantinedForWindow } from './report-kpis';

// The consent management log: what the consent ledger recorded in the window (grants and
// withdrawals per purpose and signal), where consent stands now, processing that lacked it, and
// consent records that were quarantined. Counts only.

export interface ConsentLogKpis {
  events: number;
  distinctSubjects: number;
  byPurpose: Array<{ purpose: string; granted: number; withdrawn: number }>;
  bySignal: Array<{ key: string; n: number }>;
  currentState: Array<{ purpose: string; granted: number; withdrawn: number }>;
  violations: { total: number; byPurposeReason: Array<{ purpose: string; reason: string; n: number }> };
  rejected: number;
}

export async function consentLogKpis(db: Db, run: RunRef, sources: SourceConfig[]): Promise<ConsentLogKpis> {
  const w = run.window;
  const consentSources = sources.filter((s) => s.kind === 'consent').map((s) => s.name);
  // Independent figures, read side by side (each a scan of the window's consent events or less).
  const [events, distinctSubjects, byPurpose, bySignal, currentState, violations, rejected] = await Promise.all([
    countOf(sql<{ n: number }>`select count(*) as n from govflow.consent_events c where ${inWindow('c.occurred_at', w)}`, db),
    countOf(sql<{ n: number }>`select count(distinct subject_id) as n from govflow.consent_events c where ${inWindow('c.occurred_at', w)}`, db),
    sql<{ purpose: string; granted: number; withdrawn: number }>`
      select purpose, count(*) filter (where granted)::int as granted, count(*) filter (where not granted)::int as withdrawn
      from govflow.consent_events c where ${inWindow('c.occurred_at', w)} group by purpose order by purpose`.execute(db),
    sql<{ key: string; n: number }>`
      select signal as key, count(*)::int as n from govflow.consent_events c where ${inWindow('c.occurred_at', w)}
      group by signal order by n desc, signal`.execute(db),
    consentStateByPurpose(db),
    sql<{ purpose: string; reason: string; n: number }>`
      select purpose, reason, count(*)::int as n from govflow.consent_violations v
      where ${inWindow('v.occurred_at', w)} group by purpose, reason order by n desc, purpose, reason`.execute(db),
    countOf(
      sql<{ n: number }>`select count(*) as n from govflow.rejected_records r
        where ${quarantinedForWindow(w)} and source = any(${consentSources}::text[])`,
      db,
    ),
  ]);
  return {
    events,
    distinctSubjects,
    byPurpose: byPurpose.rows,
    bySignal: bySignal.rows,
    currentState,
    violations: { total: violations.rows.reduce((s, r) => s + r.n, 0), byPurposeReason: violations.rows },
    rejected,
  };
}

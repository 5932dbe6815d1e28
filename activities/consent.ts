import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { countOf, inWindow } from './sql-window';

// consent: derive current state from the append-only ledger, then flag every access in the
// window whose purpose needs consent that the person did not have *at the time of the access*.

export function consentActivities({ db, config, env }: ActivityDeps) {
  const key = env.pseudonymKey;
  const needConsent = config.policy.policy.purposes.filter((p) => p.requiresConsent).map((p) => p.id);

  return {
    async consent(run: RunRef): Promise<TaskResult> {
      // consent_state is a cache of the ledger's latest word per (person, purpose); the ledger
      // stays the source of truth, so recomputing it is always safe.
      await sql`
        insert into govflow.consent_state (subject_id, purpose, granted, as_of, event_ref)
        select distinct on (subject_id, purpose) subject_id, purpose, granted, occurred_at, id
        from govflow.consent_events
        order by subject_id, purpose, occurred_at desc, id desc
        on conflict (subject_id, purpose) do update
          set granted = excluded.granted, as_of = excluded.as_of, event_ref = excluded.event_ref
          where (govflow.consent_state.as_of, govflow.consent_state.event_ref) is distinct from (excluded.as_of, excluded.event_ref)`.execute(db);

      await sql`
        insert into govflow.consent_violations (source, event_id, occurred_at, subject_key, purpose, reason, workflow_id)
        select e.source, e.event_id, e.occurred_at, govflow.pseudonym(e.subject_id, ${key}), e.purpose,
               case when c.granted is null then 'never_granted' else 'withdrawn' end, ${run.workflowId}
        from govflow.access_events e
        left join lateral (
          select granted from govflow.consent_events c
          where c.subject_id = e.subject_id and c.purpose = e.purpose and c.occurred_at <= e.occurred_at
          order by c.occurred_at desc, c.id desc limit 1
        ) c on true
        where ${inWindow('e.occurred_at', run.window)}
          and e.outcome = 'success' and e.subject_id is not null
          and e.purpose = any(${needConsent}::text[])
          and coalesce(c.granted, false) = false
        on conflict (source, event_id, purpose) do nothing`.execute(db);

      const violations = await countOf(
        sql<{ n: number }>`select count(*) as n from govflow.consent_violations v where ${inWindow('v.occurred_at', run.window)}`,
        db,
      );
      const checked = await countOf(
        sql<{ n: number }>`select count(*) as n from govflow.access_events e
          where ${inWindow('e.occurred_at', run.window)} and e.purpose = any(${needConsent}::text[])`,
        db,
      );
      return { counts: { consentViolations: violations, rowsIn: checked, rowsOut: violations } };
    },
  };
}

import { sql } from 'kysely';
import type { ActivityDeps } from './deps';
import type { RunRef } from '../lib/run-ref';
import type { TaskResult } from '../lib/dag';
import { countOf, inWindow } from './sql-window';

// mask: the window's access events → the analytics-safe copy. People become keyed pseudonyms,
// times become hours, IPs become prefixes, query strings (where identifiers hide) are cut, and a
// person's id inside a resource path is replaced by their pseudonym.
// All of it in one statement: raw values never leave Postgres.

export function maskActivities({ db, env }: ActivityDeps) {
  return {
    async mask(run: RunRef): Promise<TaskResult> {
      const key = env.pseudonymKey;
      await sql`
        insert into govflow.masked_events
          (source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
           purpose, outcome, ip_prefix, region, key_id, workflow_id)
        select e.source, e.event_id, date_trunc('hour', e.occurred_at),
               govflow.pseudonym(e.principal, ${key}), govflow.pseudonym(e.subject_id, ${key}),
               e.action,
               replace(split_part(e.resource, '?', 1), coalesce(e.subject_id, '?'), coalesce(govflow.pseudonym(e.subject_id, ${key}), '?')),
               e.data_category, e.purpose, e.outcome,
               govflow.ip_prefix(e.source_ip), e.region, ${env.pseudonymKeyId}, ${run.workflowId}
        from govflow.access_events e
        where ${inWindow('e.occurred_at', run.window)}
        on conflict (source, event_id) do nothing`.execute(db);

      const masked = await countOf(
        sql<{ n: number }>`select count(*) as n from govflow.masked_events m
          join govflow.access_events e using (source, event_id) where ${inWindow('e.occurred_at', run.window)}`,
        db,
      );
      const source = await countOf(
        sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', run.window)}`,
        db,
      );
      return { counts: { maskedEvents: masked, rowsIn: source, rowsOut: masked } };
    },
  };
}

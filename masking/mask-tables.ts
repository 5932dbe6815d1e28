import { heartbeatOrStop } from '../temporal/heartbeat';
import { sql } from 'kysely';
import type { ActivityDeps } from '../config/deps';
import type { ScopedRun, SourceScope } from '../workflow-safe/source-scope';
import { sourceInScope } from '../db/sql-scope';
import type { TaskResult } from '../workflow-safe/dag';
import { countOf, inWindow } from '../db/sql-window';
import type { MaskKeys, VaultEntry } from './operators';
import {
  maskAccessEvent,
  maskAuditTrailEvent,
  personKey,
  type MaskedAccessEvent,
  type MaskedAuditTrailEvent,
  type RawAccessEvent,
  type MaskOptions,
  type RawAuditTrailEvent,
} from './mask-record';
import { compileRoutes } from './route-template';
import type { SeenCounts } from './value';
import { loadDataKeys, storeVaultEntries } from './vault/vault';
import { isSetBased } from './mask-window';
import { maskWindowInShards } from './mask-shards';
import { DEFAULT_MASK_PARALLELISM } from './mask-parallelism';
import { ensureMaskedDays } from './day-partition';
import { MASK_THREADS_FROM } from './mask-threads';

// mask: the window's access events and audit trail → the analytics-safe tables. Every field is
// masked by the policy's operator for its kind (pseudonyms, hours, IP prefixes, tokens whose
// values go to the vault); free text is reduced to what is known to be safe (URLs to route
// templates, user agents to their parsed fields, audit targets by their grammar), and what the
// detector finds in it only names the placeholders and feeds the counts. People whose analytics consent is withdrawn are left out, and their earlier masked
// rows removed. The rows are masked set-based in Postgres (masking/mask-window.ts), JavaScript
// seeing only distinct values and people; a policy whose IP operator needs each row's owner
// (partial, tokenise, encrypt) is masked row by row here instead, in keyset batches. Rows never
// pass through Temporal; every write is keyed by (source, event id), so a re-run rewrites the same rows.
// Region-pinned (run.scope, workflow-safe/source-scope.ts): every read, rewrite, count and the
// sensitivity inventory are the scope's sources' only, so two regions' mask steps of one window
// (or a retry of one) never delete or count each other's rows.

const BATCH = 2000;

/** What one mask step remembers across batches: people and their tokens recur. */
interface StepCache {
  dataKeys: Map<string, Buffer>;
  sealed: Set<string>;
  pseudonyms: Map<string, string>;
  cleanText: Map<string, string>;
}

/**
 * True for a person whose consent to `purpose` (the policy's masking.analyticsPurpose) is withdrawn
 * now: the mask step leaves their rows out, and the compliance report counts them as excluded by
 * consent rather than as a masking gap.
 */
export const analyticsConsentWithdrawn = (column: string, purpose: string) => sql<boolean>`exists (
  select 1 from govflow.consent_state cs where cs.subject_id = ${sql.ref(column)} and cs.purpose = ${purpose} and not cs.granted)`;

const newStepCache = (): StepCache => ({ dataKeys: new Map(), sealed: new Set(), pseudonyms: new Map(), cleanText: new Map() });

/** The mask step over one run's window (activities/mask.ts is its Temporal-facing shell). */
export function tableMasker({ pool, db, env, config }: ActivityDeps) {
  const policy = config.policy.policy.masking;
  const purpose = policy.analyticsPurpose;
  const routes = compileRoutes(policy.routes);
  const anonymous = config.policy.policy.access.anonymousPrincipals;
  // Each shard holds a connection for its whole transaction and writes vault entries through the
  // pool meanwhile: two connections stay free so those writes never wait on the shards.
  const shards = Math.max(1, Math.min(env.maskParallelism ?? DEFAULT_MASK_PARALLELISM, (pool.options.max ?? 10) - 2));

  /**
   * Masks a batch of rows. Data keys are loaded (or created) only for the people whose values
   * actually get sealed, and only after a first pass has found out who they are: most events seal
   * nothing, and creating a key for every new person would cost a vault write per person. Rows that
   * asked for a missing key are masked again once it is loaded (their sealed values were redacted
   * in the first pass). The cache lives for the whole step: people recur across batches.
   */
  async function maskBatch<R, M>(rows: R[], maskOne: (row: R, keys: MaskKeys, counting: boolean) => M, cache: StepCache): Promise<M[]> {
    const vault: VaultEntry[] = [];
    const missing = new Set<string>();
    const keys: MaskKeys = {
      pseudonymKey: env.pseudonymKey,
      dataKey: (ref) => {
        const key = cache.dataKeys.get(ref);
        if (!key) missing.add(ref);
        return key;
      },
      onToken: (e) => vault.push(e),
      sealed: cache.sealed,
      pseudonyms: cache.pseudonyms,
      cleanText: cache.cleanText,
    };
    const again: number[] = [];
    const masked = rows.map((row, i) => {
      const before = missing.size;
      const m = maskOne(row, keys, true);
      if (missing.size > before) again.push(i);
      return m;
    });
    if (again.length > 0) {
      await loadDataKeys(db, env.vaultKey, env.pseudonymKeyId, missing, cache.dataKeys);
      // Masked again, not seen again: the counts were taken in the first pass.
      for (const i of again) masked[i] = maskOne(rows[i]!, keys, false);
    }
    await storeVaultEntries(db, vault);
    return masked;
  }

  const withdrawn = (column: string) => sql`not ${analyticsConsentWithdrawn(column, purpose)}`;

  /**
   * Walks a raw table's window in keyset pages of (source, event_id), masking and writing each
   * page before reading the next: memory stays one page whatever the window holds.
   */
  async function inPages<R extends { source: string; event_id: string }>(
    table: string,
    read: (after: [string, string]) => Promise<R[]>,
    write: (rows: R[]) => Promise<void>,
  ): Promise<number> {
    let after: [string, string] = ['', ''];
    let written = 0;
    for (;;) {
      const rows = await read(after);
      if (rows.length === 0) return written;
      await write(rows);
      written += rows.length;
      const last = rows[rows.length - 1]!;
      after = [last.source, last.event_id];
      heartbeatOrStop({ table, written });
    }
  }

  const maskAccess = (run: ScopedRun, cache: StepCache, options: MaskOptions): Promise<number> =>
    inPages(
      'access_events',
      async (after) =>
        (await sql<RawAccessEvent>`
          select source, event_id, occurred_at, principal, subject_id, action, resource, data_category, purpose,
                 outcome, source_ip, region, user_agent
          from govflow.access_events e
          where ${inWindow('e.occurred_at', run.window)} and (e.source, e.event_id) > (${after[0]}, ${after[1]})
            and ${withdrawn('e.subject_id')} and ${sourceInScope('e', run.scope)}
          order by e.source, e.event_id limit ${BATCH}`.execute(db)).rows,
      async (rows) => {
        const masked: MaskedAccessEvent[] = await maskBatch(rows, (r, keys, counting) => maskAccessEvent(r, policy, keys, counting ? options : { ...options, seen: undefined }), cache);
        await sql`
          insert into govflow.masked_events
            (source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
             purpose, outcome, ip_prefix, region, user_agent, key_id, workflow_id)
          select source, event_id, occurred_hour, principal_key, subject_key, action, resource, data_category,
                 purpose, outcome, ip_prefix, region, user_agent, ${env.pseudonymKeyId}, ${run.workflowId}
          from jsonb_to_recordset(${JSON.stringify(masked)}::jsonb) as r(
            source text, event_id text, occurred_hour timestamptz, principal_key text, subject_key text, action text,
            resource text, data_category text, purpose text, outcome text, ip_prefix text, region text, user_agent text)
          on conflict (source, event_id, occurred_hour) do update set
            principal_key = excluded.principal_key, subject_key = excluded.subject_key,
            action = excluded.action, resource = excluded.resource, data_category = excluded.data_category,
            purpose = excluded.purpose, outcome = excluded.outcome, ip_prefix = excluded.ip_prefix, region = excluded.region,
            user_agent = excluded.user_agent, key_id = excluded.key_id`.execute(db);
      },
    );

  const maskAuditTrail = (run: ScopedRun, cache: StepCache, options: MaskOptions): Promise<number> =>
    inPages(
      'audit_trail_events',
      async (after) =>
        (await sql<RawAuditTrailEvent>`
          select source, event_id, occurred_at, actor, action, target, outcome, source_ip, region
          from govflow.audit_trail_events t
          where ${inWindow('t.occurred_at', run.window)} and (t.source, t.event_id) > (${after[0]}, ${after[1]})
            and ${withdrawn('t.actor')} and ${sourceInScope('t', run.scope)}
          order by t.source, t.event_id limit ${BATCH}`.execute(db)).rows,
      async (rows) => {
        const masked: MaskedAuditTrailEvent[] = await maskBatch(rows, (r, keys, counting) => maskAuditTrailEvent(r, policy, keys, counting ? options : { ...options, seen: undefined }), cache);
        await sql`
          insert into govflow.masked_audit_trail
            (source, event_id, occurred_hour, actor_key, action, target, outcome, ip_prefix, region, key_id, workflow_id)
          select source, event_id, occurred_hour, actor_key, action, target, outcome, ip_prefix, region,
                 ${env.pseudonymKeyId}, ${run.workflowId}
          from jsonb_to_recordset(${JSON.stringify(masked)}::jsonb) as r(
            source text, event_id text, occurred_hour timestamptz, actor_key text, action text, target text,
            outcome text, ip_prefix text, region text)
          on conflict (source, event_id) do update set
            occurred_hour = excluded.occurred_hour, actor_key = excluded.actor_key, action = excluded.action,
            target = excluded.target, outcome = excluded.outcome, ip_prefix = excluded.ip_prefix,
            region = excluded.region, key_id = excluded.key_id`.execute(db);
      },
    );

  /**
   * The path words of the safe shape that at least masking.literalMinPrincipals distinct
   * principals requested at the same position in the window: one set-based query, only when the
   * policy asks for learned literals.
   */
  async function pathVocabulary(run: ScopedRun): Promise<Set<string> | undefined> {
    if (policy.literalMinPrincipals <= 0) return undefined;
    const { rows } = await sql<{ pos: number; seg: string }>`
      select s.pos::int as pos, s.seg
      from govflow.access_events e
      cross join lateral unnest(string_to_array(split_part(split_part(e.resource, '#', 1), '?', 1), '/')) with ordinality as s(seg, pos)
      where ${inWindow('e.occurred_at', run.window)} and ${sourceInScope('e', run.scope)} and e.resource is not null and s.seg ~ '^[a-z][a-z0-9]*([-_][a-z0-9]+)*$'
      group by s.pos, s.seg
      having count(distinct e.principal) >= ${policy.literalMinPrincipals}`.execute(db);
    return new Set(rows.map((r) => `${r.pos - 1}/${r.seg}`));
  }

  /** The window's sensitivity counts → govflow.sensitivity_inventory, replacing this window's earlier counts. */
  async function writeInventory(run: ScopedRun, seen: SeenCounts): Promise<void> {
    const rows = [...seen].map(([key, s]) => {
      const [source, field, kind] = key.split('\t');
      return { source, field, kind, seen: s.count, first_seen: s.first, last_seen: s.last };
    });
    await db.transaction().execute(async (tx) => {
      await sql`delete from govflow.sensitivity_inventory where window_start = ${run.window.start}::timestamptz and window_end = ${run.window.end}::timestamptz
        and ${sourceInScope('sensitivity_inventory', run.scope)}`.execute(tx);
      if (rows.length === 0) return;
      await sql`
        insert into govflow.sensitivity_inventory (source, field, kind, window_start, window_end, seen, handled, first_seen, last_seen, workflow_id)
        select source, field, kind, ${run.window.start}::timestamptz, ${run.window.end}::timestamptz, seen, seen, first_seen, last_seen, ${run.workflowId}
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(source text, field text, kind text, seen bigint, first_seen timestamptz, last_seen timestamptz)`.execute(tx);
    });
  }

  /** A withdrawal reaches back: the person's rows masked by earlier runs leave the analytics tables too. */
  async function removeWithdrawn(scope: SourceScope | undefined): Promise<number> {
    const { rows } = await sql<{ subject_id: string }>`
      select subject_id from govflow.consent_state where purpose = ${purpose} and not granted`.execute(db);
    if (rows.length === 0) return 0;
    // No data keys: finding rows needs only the person's key, which is computable without one.
    const keys: MaskKeys = { pseudonymKey: env.pseudonymKey, dataKey: () => undefined, onToken: () => {} };
    const personKeys = rows.map((r) => personKey(r.subject_id, policy, keys)!);
    const a = await sql`delete from govflow.masked_events where subject_key = any(${personKeys}::text[]) and ${sourceInScope('masked_events', scope)}`.execute(db);
    const b = await sql`delete from govflow.masked_audit_trail where actor_key = any(${personKeys}::text[]) and ${sourceInScope('masked_audit_trail', scope)}`.execute(db);
    return Number(a.numAffectedRows ?? 0) + Number(b.numAffectedRows ?? 0);
  }

  return {
    async mask(run: ScopedRun): Promise<TaskResult> {
      const removed = await removeWithdrawn(run.scope);
      const vocabulary = await pathVocabulary(run);
      let access: number;
      let trail: number;
      // What the classifier found in free text, per field and kind: counts only, never values.
      let seen: SeenCounts = new Map();
      if (isSetBased(policy)) {
        ({ access, trail, seen } = await maskWindowInShards(pool, db, {
          window: run.window,
          workflowId: run.workflowId,
          policy,
          anonymous: anonymous ?? [],
          routes,
          vocabulary,
          pseudonymKey: env.pseudonymKey,
          keyId: env.pseudonymKeyId,
          vaultKey: env.vaultKey,
          heartbeat: (d) => heartbeatOrStop(d),
          ...(run.scope ? { scope: run.scope } : {}),
          threads: { count: env.maskThreads ?? 0, from: env.maskThreadsFrom ?? MASK_THREADS_FROM },
        }, shards));
      } else {
        // An IP operator that needs each row's owner (partial, tokenise, encrypt): row by row.
        await ensureMaskedDays(db, run.window);
        const cache = newStepCache();
        const options: MaskOptions = { anonymous, routes, seen, vocabulary };
        access = await maskAccess(run, cache, options);
        trail = await maskAuditTrail(run, cache, options);
      }
      const personalDataSeen: Record<string, number> = {};
      for (const [key, s] of seen) {
        const [, field, kind] = key.split('\t');
        personalDataSeen[`${field}.${kind}`] = (personalDataSeen[`${field}.${kind}`] ?? 0) + s.count;
      }
      await writeInventory(run, seen);

      // The set-based step deleted the window's masked rows and inserted them anew, so what it
      // inserted is what the window has; row by row, earlier rows may remain and are counted.
      const masked = isSetBased(policy)
        ? access
        : await countOf(
            sql<{ n: number }>`select count(*) as n from govflow.masked_events m
              join govflow.access_events e using (source, event_id) where ${inWindow('e.occurred_at', run.window)} and ${sourceInScope('e', run.scope)}`,
            db,
          );
      const source = await countOf(
        sql<{ n: number }>`select count(*) as n from govflow.access_events e where ${inWindow('e.occurred_at', run.window)} and ${sourceInScope('e', run.scope)}`,
        db,
      );
      return {
        counts: {
          maskedEvents: masked,
          maskedAuditTrail: trail,
          excludedWithoutConsent: source - access,
          removedAfterWithdrawal: removed,
          rowsIn: source,
          rowsOut: masked,
        },
        breakdown: { personalDataSeen },
      };
    },
  };
}

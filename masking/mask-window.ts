import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db } from '../db/pool';
import { CopyRows } from '../ingest/copy-text';
import type { MaskKeys, VaultEntry } from './operators';
import { pseudonymOf } from './operators';
import { personKey } from './mask-record';
import { wordsOf } from './classify';
import type { PathVocabulary, RouteTemplate } from './route-template';
import type { SeenCounts } from './value';
import type { PiiEntity } from './detector';
import type { MaskingPolicy } from '../policy/masking';
import type { Window } from '../workflow-safe/window';
import type { SourceScope } from '../workflow-safe/source-scope';
import { loadDataKeys, storeVaultEntries } from './vault/vault';
import { MaskThreads } from './mask-threads';
import { textMasking, type TextMaskingSetup } from './text-masking';
import { dayBounds, dayCount, ensureMaskedDays, indexFreshDay, isWholeDays, MASKED_EVENT_COLUMNS, shapeFreshDay, startFreshDay, swapFreshDay, type FreshDay } from './day-partition';
import { dropWorkTables, workTables, type WorkTables } from './work-tables';

// The mask step over a window, set-based: Postgres does the rows, JavaScript only the distinct
// values that need the allow-list's rules. In one transaction on one connection:
//  1. the window's distinct free-text values (URL, user agent, audit target) are masked once each
//     without their rows' people
//     (value-probe.ts) and COPYed into a working table (work-tables.ts) with what the masking asked about them;
//  2. the window's distinct people get their keys (pseudonyms, or tokens and vault entries, per
//     person, batched) and the words of their identifiers;
//  3. the window's access events are joined with their people and values, and the rows whose
//     people the masking of their value asked about are grouped by (value, those people); each
//     group is masked again with them;
//  4. one statement joins the access events with their people, their values and the values
//     masked again, truncates times to the hour and generalises IP addresses in SQL
//     (govflow.ip_prefix), and writes the masked rows: for a window of whole days, one statement
//     per day into a fresh table, swapped in for the day's partition of masked_events
//     (day-partition.ts); for any other window, after deleting its earlier masked rows, so that a
//     re-run rewrites the same rows;
//  5. what the classifier found is counted per source, field and kind in SQL (sensitivityCounts).
// Steps 1 and 3 may spread their pages over worker threads (mask-threads.ts, GOVFLOW_MASK_THREADS).
// The pseudonym key reaches Postgres only as a transaction-local setting (for the IP operator
// "pseudonymise"); people's keys are computed here, per distinct person.
// Memory stays one page of distinct values whatever the window holds: pages are read through
// cursors and written through COPY.

const PAGE = 10_000;

/** IP operators the set-based step does in SQL; others (partial, tokenise, encrypt) need per-row masking. */
export const SQL_IP_OPERATORS = ['generalise', 'redact', 'drop', 'pseudonymise'] as const;

/** Whether `policy` can be masked set-based (see SQL_IP_OPERATORS). */
export const isSetBased = (policy: MaskingPolicy) => (SQL_IP_OPERATORS as readonly string[]).includes(policy.kinds.ip_address.operator);

export interface MaskWindowInput {
  window: Window;
  workflowId: string;
  policy: MaskingPolicy;
  /** access.anonymousPrincipals: kept as they are, never a person. */
  anonymous: readonly string[];
  routes: readonly RouteTemplate[];
  vocabulary?: PathVocabulary;
  pseudonymKey: string;
  keyId: string;
  vaultKey: string;
  /**
   * The part of the window this call masks: rows whose owner (an access event's subject, an audit
   * trail entry's actor) hashes to `index` of `count` (PostgreSQL's hashtext). Absent: all rows.
   * Shards share no person's rows, so they run side by side on separate connections.
   */
  shard?: { index: number; count: number };
  heartbeat(detail: Record<string, unknown>): void;
  /** Only these sources' rows, read and rewritten (a region-pinned run, workflow-safe/source-scope.ts); absent: the whole window. */
  scope?: SourceScope;
  /**
   * Worker threads masking distinct values beside the step's own (mask-threads.ts): `count` of
   * them (GOVFLOW_MASK_THREADS), used for pages of at least `from` values. Absent: none.
   */
  threads?: { count: number; from: number };
}

export interface MaskWindowResult {
  /** Access events written to masked_events. */
  access: number;
  /** Audit-trail events written to masked_audit_trail. */
  trail: number;
  /** What the classifier found in free text, keyed "source\tfield\tENTITY". */
  seen: SeenCounts;
}

const ARRAY_QUOTED = /[\\"]/;

/** A PostgreSQL array literal of text ("{\"a\",\"b\"}"), for COPY. */
export function pgTextArray(xs: readonly string[]): string {
  if (xs.length === 0) return '{}';
  // A loop that escapes only what needs it: this runs for ten or more words of each of hundreds
  // of thousands of values, and map/replace/join cost a third of the values phase at 1M events.
  let out = '{';
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    out += `${i ? ',' : ''}"${ARRAY_QUOTED.test(x) ? x.replace(/[\\"]/g, '\\$&') : x}"`;
  }
  return `${out}}`;
}

/**
 * What the classifier found, per source, field and kind (the sensitivity inventory's counts): each
 * value's rows count the kinds its masking without people found (mask_text.found), except the rows
 * masked again with their people, which count what that masking found (mask_text_people.found).
 * One finding of a kind in a value counts once per row; first and last seen are the times of the
 * rows that count. Keys "source\tfield\tKIND", as SeenCounts.
 */
async function sensitivityCounts(client: pg.PoolClient, w: WorkTables): Promise<SeenCounts> {
  const { rows } = await client.query<{ source: string; field: string; kind: string; n: string; first_at: Date; last_at: Date }>(`
    with again as (select field, value, source, sum(n) as n from ${w.rowGroups} group by 1, 2, 3),
    counted as (
      -- rows of a value not masked again: what the value alone gave
      select g.source, g.field, g.n - coalesce(a.n, 0) as n, g.first_at, g.last_at, t.found
      from ${w.groups} g join ${w.text} t using (field, value) left join again a using (field, value, source)
      where cardinality(t.found) > 0
      union all
      -- rows masked again with their people: what that gave
      select r.source, r.field, r.n, r.first_at, r.last_at, tp.found
      from ${w.rowGroups} r join ${w.textPeople} tp using (field, value, p1, p2)
      where cardinality(tp.found) > 0)
    select source, field, kind, sum(n) as n, min(first_at) as first_at, max(last_at) as last_at
    from counted cross join unnest(found) as k(kind)
    where n > 0
    group by 1, 2, 3`);
  return new Map(rows.map((r) => [`${r.source}\t${r.field}\t${r.kind}`, { count: Number(r.n), first: r.first_at.toISOString(), last: r.last_at.toISOString() }]));
}

export async function maskWindow(pool: pg.Pool, db: Db, input: MaskWindowInput): Promise<MaskWindowResult> {
  const { policy } = input;
  const client = await pool.connect();
  // One statement may run for minutes over a large window: the step keeps heartbeating meanwhile
  // with its last phase, so that a long INSERT is not taken for a lost worker.
  let last: Record<string, unknown> = { step: 'start' };
  const beat = (detail: Record<string, unknown>) => {
    last = input.shard ? { ...detail, shard: input.shard.index } : detail;
    input.heartbeat(last);
  };
  const keepAlive = setInterval(() => input.heartbeat(last), 5_000);
  const L = (s: string) => client.escapeLiteral(s);
  const anon = `array[${input.anonymous.map(L).join(',')}]::text[]`;
  const inWindow = (alias: string) => `${alias}.occurred_at >= ${L(input.window.start)}::timestamptz and ${alias}.occurred_at < ${L(input.window.end)}::timestamptz`;
  // A shard's rows: hashtext's sign bit masked off, as abs() of its minimum overflows.
  const inShard = (column: string) =>
    input.shard && input.shard.count > 1 ? ` and (hashtext(coalesce(${column}, '')) & 2147483647) % ${input.shard.count} = ${input.shard.index}` : '';
  // A region's sources, or every source but the pinned ones (db/sql-scope.ts's sourceInScope, as text).
  const inSources = (alias: string) =>
    input.scope ? ` and ${alias}.source ${input.scope.region ? '= any' : '<> all'}(array[${input.scope.sources.map(L).join(',')}]::text[])` : '';
  const accessScope = (alias: string) => `${inWindow(alias)}${inSources(alias)}${inShard(`${alias}.subject_id`)}`;
  const trailScope = (alias: string) => `${inWindow(alias)}${inSources(alias)}${inShard(`${alias}.actor`)}`;
  const consented = (column: string) => `not exists (select 1 from govflow.consent_state cs
    where cs.subject_id = ${column} and cs.purpose = ${L(policy.analyticsPurpose)} and not cs.granted)`;
  /** The window's access events of consenting people (`also`: a further condition on e, such as a day's bounds). */
  const accessWhere = (also = '') => `(select * from govflow.access_events e where ${accessScope('e')}${also} and ${consented('e.subject_id')})`;
  const access = accessWhere();
  const trail = `(select * from govflow.audit_trail_events t where ${trailScope('t')} and ${consented('t.actor')})`;
  const q = (text: string) => client.query(text);
  /** COPYs a page's rows (each an array of column values) into `table`. */
  const copy = async (table: string, rows: Iterable<readonly unknown[]>) => {
    // Each line encoded into Buffers as it is made (ingest's CopyRows), sent as a few large
    // writes: a write per line costs a syscall each (6 s of a million-row step), and joining a
    // page's lines into one string, then encoding it, cost twice as long as the Buffers.
    const text = new CopyRows();
    for (const row of rows) text.add(row);
    if (text.count) await pipeline(Readable.from(text.payload()), client.query(copyFrom(`copy ${table} from stdin`)));
    text.release();
  };
  /**
   * Runs `each` over a cursor's rows, a page at a time. The next page is asked for before `each`
   * masks this one, so that Postgres reads it while JavaScript works (the connection queues
   * `each`'s own statements behind it): the two took turns before, each idle half the time.
   */
  const cursor = async <R>(name: string, query: string, each: (rows: R[]) => Promise<void>) => {
    await q(`declare ${name} no scroll cursor for ${query}`);
    const fetchPage = () => {
      const page = client.query(`fetch ${PAGE} from ${name}`);
      // Awaited below; should `each` throw first, its failure is the step's, not an unhandled one.
      page.catch(() => {});
      return page;
    };
    let next = fetchPage();
    for (;;) {
      const { rows } = await next;
      if (rows.length === 0) break;
      next = fetchPage();
      await each(rows as R[]);
    }
    await q(`close ${name}`);
  };

  // People's pseudonyms, remembered for this step (pseudonymOf bounds it): the people phase and
  // the data keys of the people-values phase ask for the same people.
  const pseudonyms = new Map<string, string>();
  const tokenisedIds = policy.kinds.person_id.operator === 'tokenise';
  // People named by identifier parameters ("?user=…") get vault entries too when ids are tokenised.
  const identifierIds = new Set<string>();
  const setup: TextMaskingSetup = {
    policy,
    routes: input.routes,
    ...(input.vocabulary ? { vocabulary: [...input.vocabulary] } : {}),
    pseudonymKey: input.pseudonymKey,
  };
  // Distinct values are masked in pages, each spread over worker threads (mask-threads.ts).
  const threads = new MaskThreads(textMasking(setup, pseudonyms), setup, input.threads?.count ?? 0, input.threads?.from ?? PAGE);

  try {
    // Before the step's transaction, each in its own: the partitions are catalog changes that a
    // concurrent step (another region's, over the same day) must see at once, not after our commit.
    const partitions = await ensureMaskedDays(db, input.window);
    await q('begin');
    // The pseudonym key reaches Postgres only as a setting of this transaction (never a statement's text).
    await client.query(`select set_config('govflow.mask_key', $1, true)`, [input.pseudonymKey]);
    // The joins hash the window's distinct values and people; with the default work_mem (4 MB)
    // those hashes spill, and every raw row of the window goes through temporary files with them.
    await q(`set local work_mem = '128MB'`);
    // Without JIT: the step's statements are scans and hash joins of a day's rows whose cost puts
    // them over jit_above_cost, and each parallel worker compiles its own copy; compiling cost
    // more than it saved (the write of bench:dag's day: 4.9–5.6 s without, 5.3–5.8 s with).
    await q(`set local jit = off`);
    // Joins in parallel workers even where every row then goes to the leader (a day's masked rows,
    // which only the leader writes) or where the planner cannot tell how few do (the rows asking
    // for their people, 360,000 of a million in bench:mask): at the default cost of passing a row
    // to the leader, both were planned serially, at twice the time on two cores (bench/README.md).
    await q(`set local parallel_tuple_cost = 0.001`);
    // Working tables read by parallel scans however small, so that a join builds one shared hash
    // of them (Parallel Hash) rather than one per process: a day's write built the people's hash
    // three times, twice over, 7 % of its time (bench/README.md).
    await q(`set local min_parallel_table_scan_size = 0`);
    // The step's working tables: unlogged tables of the step's own transaction (work-tables.ts),
    // not temporary ones, which PostgreSQL never reads in parallel.
    const w = await workTables(client);
    await q(`
      create unlogged table ${w.text} (field text, value text, masked text, asked_ids text[], asked_words text[], owner_used boolean, found text[]);
      create unlogged table ${w.people} (id text, key text, words text[]);
      create unlogged table ${w.textPeople} (field text, value text, p1 text, p2 text, masked text, found text[])`);

    // 1. Distinct free-text values, masked once each without people.
    const ua = policy.userAgent === 'generalise' ? `union all select 'user_agent', user_agent, source, count(*), min(occurred_at), max(occurred_at) from ${access} a where user_agent is not null group by 2, 3` : '';
    beat({ step: 'distinct values' });
    // CREATE TABLE … AS, not INSERT … SELECT: PostgreSQL plans only the former in parallel, and
    // grouping a day of a million rows is then shared with its parallel workers. So are the
    // people, the rows asking for their people and a whole day's masked rows below.
    await q(`create unlogged table ${w.groups} as
      select 'resource'::text as field, resource as value, source, count(*) as n, min(occurred_at) as first_at, max(occurred_at) as last_at
      from ${access} a where resource is not null group by 2, 3
      ${ua}
      union all select 'target', target, source, count(*), min(occurred_at), max(occurred_at) from ${trail} t where target is not null group by 2, 3`);
    let values = 0;
    // What was found in each value is kept with it (found), and counted per source in SQL at the
    // end (sensitivityCounts): the values need not carry their sources here.
    await cursor<{ field: string; value: string }>(
      'mask_values',
      `select field, value from ${w.groups} group by field, value`,
      async (rows) => {
        const { probed, identifierIds: named } = await threads.probe(rows);
        for (const id of named) identifierIds.add(id);
        await copy(w.text, rows.map(({ field, value }, i) => {
          const p = probed[i]!;
          return [field, value, p.masked, pgTextArray(p.askedIds), pgTextArray(p.askedWords), p.ownerUsed, pgTextArray(p.found)];
        }));
        values += rows.length;
        beat({ step: 'values', values, threads: threads.active });
      },
    );
    // No key: each (field, value) is written once, from a GROUP BY, and the joins below are hash
    // joins; a B-tree over 451,775 URLs under the database's collation cost a second at 1M, and a
    // B-tree refuses entries over 2,704 bytes: a 3 KB URL failed the step. The same holds for the
    // people tables (an id is only as short as its producer made it).
    // The join keys' statistics only: the arrays' cost a third of a second at 1M and plan nothing.
    await q(`analyze ${w.text} (field, value)`);

    // 2. Distinct people: keys (and, for tokens, vault entries), per page of people.
    beat({ step: 'people' });
    // A row's people are its subject and principal (access) or actor (trail). Two scans of the
    // access events, not one that unnests an array of the two per row: 1.1 s against 1.5 s at 1M.
    await q(`create unlogged table ${w.personIds} as
      select distinct id from (
        select subject_id as id from ${access} a
        union all select principal from ${access} a where principal <> all(${anon})
        union all select actor from ${trail} t where actor <> all(${anon})) x
      where id <> ''`);
    for (let ids = [...identifierIds]; ids.length; ids = ids.splice(PAGE)) {
      await client.query(`insert into ${w.personIds} select unnest($1::text[]) except select id from ${w.personIds}`, [ids.slice(0, PAGE)]);
    }
    identifierIds.clear();
    let people = 0;
    await cursor<{ id: string }>('mask_ids', `select id from ${w.personIds}`, async (rows) => {
      const dataKeys = new Map<string, Buffer>();
      const vault: VaultEntry[] = [];
      const keys: MaskKeys = { pseudonymKey: input.pseudonymKey, pseudonyms, dataKey: (ref) => dataKeys.get(ref), onToken: (e) => vault.push(e), sealed: new Set() };
      if (tokenisedIds) await loadDataKeys(db, input.vaultKey, input.keyId, rows.map((r) => pseudonymOf(r.id, keys)), dataKeys);
      const keyed = rows.map(({ id }) => [id, personKey(id, policy, keys), pgTextArray([...wordsOf([id])])]);
      await storeVaultEntries(db, vault);
      await copy(w.people, keyed);
      people += rows.length;
      beat({ step: 'people', people });
    });
    await q(`analyze ${w.people}`);

    // 3. Rows whose people the masking of their value asked about: masked again, per (value, people).
    // p1 is the row's owner (subject, or the audit trail's actor), p2 the access event's principal;
    // '' where the masking did not ask about them.
    const relevant = (column: string, person: string, owner: boolean) =>
      `case when ${person}.id is not null and (${owner ? 'tx.owner_used or ' : ''}${column} = any(tx.asked_ids) or ${person}.words && tx.asked_words) then ${column} else '' end`;
    // An access event with its people's keys, its URL's masked form and the people that asked
    // about (p1, p2). Not kept in a table: joined again for the write (step 4), day by day, which
    // reads the day's partition only. Kept, the million joined rows (365 MB) cost 5.4 s to write
    // and were read whole again for each day (bench/README.md, stop 25).
    const accessRows = (events: string) => `(select e.*, ps.key as subject_key, pp.key as principal_key, tx.masked as resource_masked,
        ${relevant('e.subject_id', 'ps', true)} as p1, ${relevant('e.principal', 'pp', false)} as p2
      from ${events} e
      left join ${w.people} ps on ps.id = e.subject_id
      left join ${w.people} pp on pp.id = e.principal and not (e.principal = any(${anon}))
      left join ${w.text} tx on tx.field = 'resource' and tx.value = e.resource)`;
    const trailRows = `(select t.*, pa.key as actor_key, tx.masked as target_masked, ${relevant('t.actor', 'pa', true)} as p1, '' as p2
      from ${trail} t
      left join ${w.people} pa on pa.id = t.actor and not (t.actor = any(${anon}))
      left join ${w.text} tx on tx.field = 'target' and tx.value = t.target)`;
    beat({ step: 'rows asking for their people' });
    await q(`create unlogged table ${w.rowGroups} as
      select 'resource'::text as field, resource as value, p1, p2, source, count(*) as n, min(occurred_at) as first_at, max(occurred_at) as last_at from ${accessRows(access)} x where p1 <> '' or p2 <> '' group by 2, 3, 4, 5
      union all select 'target', target, p1, p2, source, count(*), min(occurred_at), max(occurred_at) from ${trailRows} x where p1 <> '' group by 2, 3, 4, 5`);
    // Statistics for the join below: unanalysed, the planner takes the groups for a thousand and
    // plans per-group lookups of the people (2.5 s for 370,201 groups, against hash joins).
    await q(`analyze ${w.rowGroups}`);
    let again = 0;
    // Hash joins, planned for: PostgreSQL misjudges how many (value, people) pairs find their value
    // (a thousand for 370,201) and would probe three indexes per pair (4.3 s against about 1 s).
    await q('set local enable_nestloop = off');
    await cursor<{ field: string; value: string; p1: string; p2: string; k1: string | null; k2: string | null; owner_used: boolean }>(
      'mask_again',
      `select g.field, g.value, g.p1, g.p2, k1.key as k1, k2.key as k2, tx.owner_used
       from (select distinct field, value, p1, p2 from ${w.rowGroups}) g join ${w.text} tx using (field, value)
       left join ${w.people} k1 on k1.id = g.p1 left join ${w.people} k2 on k2.id = g.p2`,
      async (rows) => {
        const dataKeys = new Map<string, Buffer>();
        // Data keys only for owners whose values seal something: most people never need one.
        const refKeys: MaskKeys = { pseudonymKey: input.pseudonymKey, pseudonyms, dataKey: () => undefined, onToken: () => {} };
        await loadDataKeys(db, input.vaultKey, input.keyId, rows.filter((r) => r.owner_used && r.p1 !== '').map((r) => pseudonymOf(r.p1, refKeys)), dataKeys);
        const { masked, found, vault } = await threads.again(rows.map(({ field, value, p1, p2, k1, k2 }) => ({ field, value, p1, p2, k1, k2 })), dataKeys);
        const remasked = rows.map((r, i) => [r.field, r.value, r.p1, r.p2, masked[i]!, pgTextArray(found[i]!)]);
        await storeVaultEntries(db, vault);
        await copy(w.textPeople, remasked);
        again += rows.length;
        beat({ step: 'people-values', values: again, threads: threads.active });
      },
    );
    await q('set local enable_nestloop = on');
    // No key either: each (field, value, p1, p2) is written once, from a SELECT DISTINCT.
    await q(`analyze ${w.textPeople}`);
    const seen = await sensitivityCounts(client, w);

    // 4. The masked rows, in SQL.
    const ip = (column: string) => {
      switch (policy.kinds.ip_address.operator) {
        case 'generalise':
          // IPv4, by far the most common, inline (govflow.ip_prefix's own IPv4 branch) rather than through PL/pgSQL.
          return `case when strpos(${column}, ':') = 0 then host(network(set_masklen(btrim(${column})::inet, 24))) || '/24'
                       else govflow.ip_prefix(nullif(split_part(btrim(${column}), '%', 1), '')) end`;
        case 'pseudonymise':
          return `govflow.pseudonym(${column}, current_setting('govflow.mask_key'))`;
        case 'redact':
          return `case when ${column} is null then null else '[ip_address]' end`;
        default:
          return 'null::text';
      }
    };
    const hour = (column: string) => `date_trunc('hour', ${column} at time zone 'UTC') at time zone 'UTC'`;
    const keyId = L(input.keyId);
    const workflowId = L(input.workflowId);
    // The masked rows of the window's events lie in its hours.
    const maskedHours = (alias: string) =>
      `${alias}.occurred_hour >= ${hour(`${L(input.window.start)}::timestamptz`)} and ${alias}.occurred_hour < ${L(input.window.end)}::timestamptz`;
    beat({ step: 'write', table: 'masked_events' });
    /** The masked rows of `events` (an access_events subquery aliased e). */
    const rowsOf = (events: string) => `
      select x.source, x.event_id, ${hour('x.occurred_at')} as occurred_hour,
             case when x.principal = any(${anon}) then x.principal else x.principal_key end as principal_key,
             x.subject_key collate "C" as subject_key, x.action,
             coalesce(tp.masked, x.resource_masked) as resource, x.data_category, x.purpose, x.outcome,
             (${ip('x.source_ip')})::text as ip_prefix, x.region,
             ua.masked as user_agent, ${keyId}::text as key_id, ${workflowId}::text as workflow_id, now() as masked_at
      from ${accessRows(events)} x
      left join ${w.textPeople} tp on tp.field = 'resource' and tp.value = x.resource and tp.p1 = x.p1 and tp.p2 = x.p2
      left join ${w.text} ua on ua.field = 'user_agent' and ua.value = x.user_agent`;
    const swaps: FreshDay[] = [];
    let accessWritten = 0;
    // Whole days of every source, each with its partition of raw events (so none of its rows can be
    // in access_events' default partition): each day written into a fresh table and swapped in.
    if (!input.scope && !(input.shard && input.shard.count > 1) && isWholeDays(input.window) && partitions.size === dayCount(input.window)) {
      await q(`set local maintenance_work_mem = '256MB'`);
      for (const [day, partition] of partitions) {
        const d = await startFreshDay(client, day, partition);
        const { start, end } = dayBounds(day);
        const a = await q(`create table govflow.${d.fresh} as
          ${rowsOf(accessWhere(` and e.occurred_at >= ${L(start)}::timestamptz and e.occurred_at < ${L(end)}::timestamptz`))}`);
        accessWritten += a.rowCount ?? 0;
        await shapeFreshDay(client, d);
        // The day's masked rows whose raw events this window does not hold stay as they were,
        // as the delete-then-insert below would leave them (a first run finds none).
        await q(`insert into govflow.${d.fresh} (${MASKED_EVENT_COLUMNS})
          select ${MASKED_EVENT_COLUMNS} from govflow.${partition} m
          where not exists (select 1 from govflow.access_events e
            where e.occurred_at >= ${L(start)}::timestamptz and e.occurred_at < ${L(end)}::timestamptz
              and e.source = m.source and e.event_id = m.event_id)`);
        beat({ step: 'write', table: 'masked_events', indexing: day });
        await indexFreshDay(client, d);
        swaps.push(d);
      }
    } else {
      // A re-run rewrites the window's rows: deleted, then inserted by a plain INSERT (cheaper per
      // row than ON CONFLICT … DO UPDATE, which the first run, the common case, would pay for nothing).
      // The masked rows of the window's events lie in its hours: bounded by the hour index, the
      // delete reads those hours, not the whole masked table (a first run finds nothing there).
      await q(`delete from govflow.masked_events m using govflow.access_events e
        where ${maskedHours('m')} and ${accessScope('e')} and m.source = e.source and m.event_id = e.event_id`);
      // In key order: the primary key's inserts then go to its rightmost page instead of anywhere.
      // Byte order ("C") costs half of a locale's comparisons; it is the key's own order under
      // C.UTF-8 and close to it elsewhere, which is all the locality needs.
      const a = await q(`insert into govflow.masked_events (${MASKED_EVENT_COLUMNS})
        ${rowsOf(access)} order by x.source collate "C", x.event_id collate "C"`);
      accessWritten = a.rowCount ?? 0;
    }
    beat({ step: 'write', table: 'masked_audit_trail' });
    await q(`delete from govflow.masked_audit_trail m using govflow.audit_trail_events t
      where ${maskedHours('m')} and ${trailScope('t')} and m.source = t.source and m.event_id = t.event_id`);
    const t = await q(`
      insert into govflow.masked_audit_trail
        (source, event_id, occurred_hour, actor_key, action, target, outcome, ip_prefix, region, key_id, workflow_id)
      select x.source, x.event_id, ${hour('x.occurred_at')},
             case when x.actor = any(${anon}) then x.actor else x.actor_key end, x.action,
             coalesce(tp.masked, x.target_masked), x.outcome, ${ip('x.source_ip')}, x.region, ${keyId}, ${workflowId}
      from ${trailRows} x
      left join ${w.textPeople} tp on tp.field = 'target' and tp.value = x.target and tp.p1 = x.p1 and tp.p2 = x.p2`);
    await dropWorkTables(client, w);
    for (const d of swaps) await swapFreshDay(client, d);
    await q('commit');
    return { access: accessWritten, trail: t.rowCount ?? 0, seen };
  } catch (err) {
    await q('rollback').catch(() => {});
    throw err;
  } finally {
    clearInterval(keepAlive);
    client.release();
    await threads.close();
  }
}

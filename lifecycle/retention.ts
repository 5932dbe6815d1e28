import { heartbeatOrStop } from '../temporal/heartbeat';
import { sql, type QueryExecutorProvider } from 'kysely';
import type { Db } from '../db/pool';
import type { ActivityDeps } from '../config/deps';
import { pseudonym } from '../masking/pseudonym';
import type { RetentionPolicy } from '../policy/retention';
import { purgeOrphanVault } from './retention/orphan-vault';

// Retention: each table class of the policy's `retention` section loses the rows older than its
// period. Whole daily partitions of access_events that lie entirely before the cut-off are
// dropped (one catalogue change instead of millions of deletes); everything else goes in batches
// of BATCH rows, each batch its own short transaction, so ingest running at the same time only
// ever waits for one batch. Rows under a legal hold (policy `retention.legalHolds` or a
// `govflow retention hold` in govflow.legal_holds) are kept and counted. Each batch adds its count
// to the run's receipt row (govflow.retention_receipts) in the same transaction, so a retried
// activity neither loses nor double-counts rows. Only counts cross Temporal, never rows.

/** Rows per DELETE statement: large enough to be quick, small enough to keep locks short. */
export const RETENTION_BATCH = 10_000;

/** The policy's table classes, in the order a run visits them. */
export const RETENTION_CLASSES = ['accessEvents', 'auditTrail', 'maskedEvents', 'findings', 'consentLedger', 'rejectedRecords', 'reports'] as const;
export type RetentionClass = (typeof RETENTION_CLASSES)[number];

export interface RetentionInput {
  /** The run's reference instant (ISO 8601); every class's cut-off is this minus its period. */
  now: string;
  dryRun: boolean;
  /** The retention run (workflow id/run id) the receipts are filed under. */
  runId: string;
}

export interface RetentionTableResult {
  table: string;
  rowsRemoved: number;
  partitionsRemoved: number;
  rowsHeld: number;
}

/**
 * The vault class has no period of its own: it runs last and removes the vault entries and data
 * keys of people the classes before it left without any data (lifecycle/retention/orphan-vault.ts).
 */
export const VAULT_CLASS = 'vaultEntries';

export interface RetentionClassResult {
  tableClass: RetentionClass | typeof VAULT_CLASS;
  cutoff: string;
  dryRun: boolean;
  tables: RetentionTableResult[];
}

interface TableSpec {
  table: string;
  /** The column a row's age is measured by. */
  time: string;
  /** Columns holding a person's raw identifier. */
  rawIds?: string[];
  /** Columns holding a person's pseudonym (govflow.pseudonym of the raw id). */
  keys?: string[];
  /** A column of raw text in which a held person's identifier may appear. */
  rawText?: string;
  source?: boolean;
  /** Extra rows that must stay (e.g. the consent ledger's current state). */
  keep?: ReturnType<typeof sql>;
}

const PERIOD: Record<RetentionClass, keyof RetentionPolicy> = {
  accessEvents: 'accessEventsDays',
  auditTrail: 'auditTrailDays',
  maskedEvents: 'maskedEventsDays',
  findings: 'findingsDays',
  consentLedger: 'consentLedgerDays',
  rejectedRecords: 'rejectedRecordsDays',
  reports: 'reportsDays',
};

const TABLES: Record<RetentionClass, TableSpec[]> = {
  accessEvents: [{ table: 'access_events', time: 'occurred_at', rawIds: ['subject_id', 'principal'], source: true }],
  auditTrail: [{ table: 'audit_trail_events', time: 'occurred_at', rawIds: ['actor'], source: true }],
  maskedEvents: [
    { table: 'masked_events', time: 'occurred_hour', keys: ['subject_key', 'principal_key'], source: true },
    { table: 'masked_audit_trail', time: 'occurred_hour', keys: ['actor_key'], source: true },
  ],
  findings: [
    { table: 'audit_findings', time: 'occurred_at', keys: ['subject_key', 'principal_key'] },
    { table: 'consent_violations', time: 'occurred_at', keys: ['subject_key'], source: true },
    { table: 'consent_time_uncertain', time: 'occurred_at', keys: ['subject_key'], source: true },
  ],
  // consent_events refuses UPDATE (append-only trigger) but allows DELETE, as erasure needs. The
  // latest event of each (subject, purpose) stays whatever its age: it is the evidence of the
  // person's current choice, consent_state.event_ref points at it, and govflow.consent_at() must
  // keep answering "granted"/"withdrawn" rather than "never asked" for today.
  consentLedger: [
    {
      table: 'consent_events', time: 'occurred_at', rawIds: ['subject_id'], source: true,
      keep: sql`not exists (select 1 from govflow.consent_events n where n.subject_id = t.subject_id and n.purpose = t.purpose
        and (n.occurred_at > t.occurred_at or (n.occurred_at = t.occurred_at and n.id > t.id)))`,
    },
  ],
  rejectedRecords: [{ table: 'rejected_records', time: 'created_at', rawText: 'raw', source: true }],
  reports: [{ table: 'reports', time: 'window_end' }],
};

interface Holds {
  subjects: string[];
  subjectKeys: string[];
  sources: string[];
}

async function activeHolds(db: Db, policy: RetentionPolicy, pseudonymKey: string): Promise<Holds> {
  const { rows } = await sql<{ kind: string; value: string }>`
    select kind, value from govflow.legal_holds where released_at is null`.execute(db);
  const subjects = new Set<string>();
  const sources = new Set<string>();
  for (const h of policy.legalHolds) 'subject' in h ? subjects.add(h.subject) : sources.add(h.source);
  for (const r of rows) (r.kind === 'subject' ? subjects : sources).add(r.value);
  return { subjects: [...subjects], subjectKeys: [...subjects].map((s) => pseudonym(s, pseudonymKey)), sources: [...sources] };
}

/** SQL that is true for a row (alias t) a legal hold protects. */
function heldBy(spec: TableSpec, h: Holds) {
  const parts = [
    ...(spec.rawIds ?? []).map((c) => sql`t.${sql.ref(c)} = any(${h.subjects}::text[])`),
    ...(spec.keys ?? []).map((c) => sql`t.${sql.ref(c)} = any(${h.subjectKeys}::text[])`),
    ...(spec.rawText ? [sql`exists (select 1 from unnest(${h.subjects}::text[]) s where strpos(t.${sql.ref(spec.rawText)}, s) > 0)`] : []),
    ...(spec.source ? [sql`t.source = any(${h.sources}::text[])`] : []),
  ];
  return parts.length ? sql`coalesce(${sql.join(parts, sql` or `)}, false)` : sql`false`;
}

interface Receipt {
  runId: string;
  tableClass: RetentionClass | typeof VAULT_CLASS;
  cutoff: Date;
  policyHash: string;
  dryRun: boolean;
}

async function addToReceipt(tx: QueryExecutorProvider, r: Receipt, table: string, rows: number, partitions: number, held?: number) {
  await sql`
    insert into govflow.retention_receipts (run_id, table_class, table_name, rows_removed, partitions_removed, rows_held, cutoff, policy_hash, dry_run)
    values (${r.runId}, ${r.tableClass}, ${table}, ${rows}, ${partitions}, ${held ?? 0}, ${r.cutoff}, ${r.policyHash}, ${r.dryRun})
    on conflict (run_id, table_name) do update set
      rows_removed = govflow.retention_receipts.rows_removed + excluded.rows_removed,
      partitions_removed = govflow.retention_receipts.partitions_removed + excluded.partitions_removed,
      rows_held = ${held === undefined ? sql`govflow.retention_receipts.rows_held` : sql`excluded.rows_held`},
      at = now()`.execute(tx);
}

/** Deletes (or counts) the expired, unheld rows of one physical table, in batches. */
async function purgeRows(db: Db, physical: string, spec: TableSpec, cutoff: Date, h: Holds, r: Receipt, upTo?: Date): Promise<number> {
  const target = sql.table(`govflow.${physical}`);
  const expired = sql`t.${sql.ref(spec.time)} < ${upTo ?? cutoff} and not ${heldBy(spec, h)}${spec.keep ? sql` and not ${spec.keep}` : sql``}`;
  if (r.dryRun) {
    const { rows } = await sql<{ n: string }>`select count(*) as n from ${target} t where ${expired}`.execute(db);
    const n = Number(rows[0]!.n);
    await addToReceipt(db, r, spec.table, n, 0);
    return n;
  }
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (tx) => {
      const res = await sql`
        delete from ${target} where ctid = any(array(select t.ctid from ${target} t where ${expired} limit ${RETENTION_BATCH}))`.execute(tx);
      const deleted = Number(res.numAffectedRows ?? 0);
      if (deleted) await addToReceipt(tx, r, spec.table, deleted, 0);
      return deleted;
    });
    total += n;
    heartbeatOrStop({ table: physical, removed: total });
    if (n < RETENTION_BATCH) return total;
  }
}

interface Partition {
  name: string;
  /** Bounds of a range partition; both null for the default partition. */
  lower: Date | null;
  upper: Date | null;
}

/** access_events' partitions with each one's upper bound (null for the default partition). */
async function partitions(db: Db, parent: string): Promise<Partition[]> {
  // The bound is read back in the same session that prints it, so its time zone round-trips.
  const { rows } = await sql<{ name: string; lower: Date | null; upper: Date | null }>`
    select c.relname as name,
      (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\)'))[1]::timestamptz as lower,
      (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz as upper
    from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${`govflow.${parent}`}::regclass
    order by 3 nulls last`.execute(db);
  return rows.map((p) => ({ name: p.name, lower: p.lower ? new Date(p.lower) : null, upper: p.upper ? new Date(p.upper) : null }));
}

async function purgeTable(db: Db, spec: TableSpec, cutoff: Date, h: Holds, r: Receipt): Promise<RetentionTableResult> {
  const target = sql.table(`govflow.${spec.table}`);
  const { rows: heldRows } = await sql<{ n: string }>`
    select count(*) as n from ${target} t where t.${sql.ref(spec.time)} < ${cutoff} and ${heldBy(spec, h)}`.execute(db);
  const rowsHeld = Number(heldRows[0]!.n);
  await addToReceipt(db, r, spec.table, 0, 0, rowsHeld);
  let rowsRemoved = 0;
  let partitionsRemoved = 0;
  const { rows: kind } = await sql<{ relkind: string }>`select relkind from pg_class where oid = ${`govflow.${spec.table}`}::regclass`.execute(db);
  if (kind[0]?.relkind === 'p') {
    for (const p of await partitions(db, spec.table)) {
      if (p.upper && p.upper <= cutoff) {
        // Entirely before the cut-off: drop it whole, unless a held row lives in it.
        const part = sql.table(`govflow.${p.name}`);
        const dropped = await db.transaction().execute(async (tx) => {
          if (!r.dryRun) {
            // Locked before counting so the count is what goes; a short wait: give up (and let
            // Temporal retry) rather than queue behind, and so block, a long ingest transaction.
            await sql`set local lock_timeout = '10s'`.execute(tx);
            await sql`lock table ${part} in access exclusive mode`.execute(tx);
          }
          const { rows } = await sql<{ n: string; held: boolean }>`
            select count(*) as n, coalesce(bool_or(${heldBy(spec, h)}), false) as held from ${part} t`.execute(tx);
          if (rows[0]!.held) return null;
          const n = Number(rows[0]!.n);
          if (!r.dryRun) await sql`drop table ${part}`.execute(tx);
          await addToReceipt(tx, r, spec.table, n, 1);
          return n;
        });
        if (dropped !== null) {
          rowsRemoved += dropped;
          partitionsRemoved += 1;
          heartbeatOrStop({ table: p.name });
          continue;
        }
      }
      if (p.lower && p.lower >= cutoff) continue; // nothing in it is old enough
      rowsRemoved += await purgeRows(db, p.name, spec, cutoff, h, r);
    }
  } else {
    rowsRemoved = await purgeRows(db, spec.table, spec, cutoff, h, r);
  }
  return { table: spec.table, rowsRemoved, partitionsRemoved, rowsHeld };
}

/** Purges one table class at a time (activities/retention.ts makes one activity of each); counts only. */
export function retentionPurger({ db, config, env }: ActivityDeps) {
  const purgeClass = (tableClass: RetentionClass) => async (input: RetentionInput): Promise<RetentionClassResult> => {
    const policy = config.policy.policy.retention;
    const cutoff = new Date(new Date(input.now).getTime() - (policy[PERIOD[tableClass]] as number) * 86_400_000);
    const receipt: Receipt = { runId: input.runId, tableClass, cutoff, policyHash: config.policy.hash, dryRun: input.dryRun };
    const holds = await activeHolds(db, policy, env.pseudonymKey);
    const tables: RetentionTableResult[] = [];
    for (const spec of TABLES[tableClass]) {
      const { rows } = await sql<{ ok: boolean }>`select to_regclass(${`govflow.${spec.table}`}) is not null as ok`.execute(db);
      if (rows[0]?.ok) tables.push(await purgeTable(db, spec, cutoff, holds, receipt));
    }
    return { tableClass, cutoff: cutoff.toISOString(), dryRun: input.dryRun, tables };
  };
  return purgeClass;
}

/** Vault entries and keys of people with no remaining data; the cut-off is the run's instant. */
export function vaultPurger({ db, config, env }: ActivityDeps) {
  return async (input: RetentionInput): Promise<RetentionClassResult> => {
    const now = new Date(input.now);
    const receipt: Receipt = { runId: input.runId, tableClass: VAULT_CLASS, cutoff: now, policyHash: config.policy.hash, dryRun: input.dryRun };
    const holds = await activeHolds(db, config.policy.policy.retention, env.pseudonymKey);
    const counts = await db.transaction().execute(async (tx) => {
      // One transaction writes the deletes and their receipt: a receipt of this run means an
      // earlier attempt committed, and a retry answers with it instead of counting again.
      const { rows: done } = await sql<{ table_name: string; rows_removed: string; rows_held: string }>`
        select table_name, rows_removed, rows_held from govflow.retention_receipts where run_id = ${input.runId} and table_class = ${VAULT_CLASS}`.execute(tx);
      if (done.length) {
        const of = (t: string) => done.find((d) => d.table_name === t);
        return {
          vaultEntries: Number(of('pii_vault')?.rows_removed ?? 0), dataKeys: Number(of('subject_keys')?.rows_removed ?? 0),
          heldEntries: Number(of('pii_vault')?.rows_held ?? 0), heldKeys: Number(of('subject_keys')?.rows_held ?? 0),
        };
      }
      const c = await purgeOrphanVault(tx, { pseudonymKey: env.pseudonymKey, heldRefs: holds.subjectKeys, before: now, dryRun: input.dryRun });
      await addToReceipt(tx, receipt, 'pii_vault', c.vaultEntries, 0, c.heldEntries);
      await addToReceipt(tx, receipt, 'subject_keys', c.dataKeys, 0, c.heldKeys);
      return c;
    });
    return {
      tableClass: VAULT_CLASS,
      cutoff: now.toISOString(),
      dryRun: input.dryRun,
      tables: [
        { table: 'pii_vault', rowsRemoved: counts.vaultEntries, partitionsRemoved: 0, rowsHeld: counts.heldEntries },
        { table: 'subject_keys', rowsRemoved: counts.dataKeys, partitionsRemoved: 0, rowsHeld: counts.heldKeys },
      ],
    };
  };
}

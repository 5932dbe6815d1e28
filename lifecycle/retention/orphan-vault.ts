import { sql, type QueryExecutorProvider } from 'kysely';

// Retention's vault class: the vault entries and data key of a person govflow no longer holds any
// data about. Once retention (or erasure) has removed every row naming someone, their sealed
// values serve no purpose (GDPR Art. 5(1)(e), storage limitation) and go too. "Data" is any row
// naming them: raw rows by identifier (access events as subject or principal, audit trail actor,
// consent ledger), pseudonymous rows by pseudonym (masked tables, findings, violations: their
// tokens point into the vault, so while one remains the entry stays). Held people are kept.
// Only entries and keys created before the run's reference instant are candidates: a key made
// by a mask step running beside retention belongs to rows this statement may not see yet.

export interface OrphanVaultCounts {
  /** pii_vault rows (and subject_keys rows) removed, or in a dry run, that would be. */
  vaultEntries: number;
  dataKeys: number;
  /** Vault entries and data keys of people without data kept because a legal hold names them. */
  heldEntries: number;
  heldKeys: number;
}

/** Removes (or counts, when dryRun) the vault entries and data keys of people with no remaining data. */
export async function purgeOrphanVault(
  tx: QueryExecutorProvider,
  o: { pseudonymKey: string; heldRefs: string[]; before: Date; dryRun: boolean },
): Promise<OrphanVaultCounts> {
  const k = o.pseudonymKey;
  await sql`
    create temporary table dsr_orphans on commit drop as
    with candidates as (
      select subject_ref from govflow.pii_vault where created_at < ${o.before}
      union select subject_ref from govflow.subject_keys where created_at < ${o.before}
    ), live as (
      select govflow.pseudonym(subject_id, ${k}) as ref from govflow.access_events where subject_id is not null
      union select govflow.pseudonym(principal, ${k}) from govflow.access_events where principal is not null
      union select govflow.pseudonym(actor, ${k}) from govflow.audit_trail_events where actor is not null
      union select govflow.pseudonym(subject_id, ${k}) from govflow.consent_events
      union select subject_key from govflow.masked_events where subject_key is not null
      union select principal_key from govflow.masked_events where principal_key is not null
      union select actor_key from govflow.masked_audit_trail where actor_key is not null
      union select subject_key from govflow.audit_findings where subject_key is not null
      union select principal_key from govflow.audit_findings where principal_key is not null
      union select subject_key from govflow.consent_violations
      union select subject_key from govflow.consent_time_uncertain
    )
    select c.subject_ref, c.subject_ref = any(${o.heldRefs}::text[]) as held
    from candidates c where not exists (select 1 from live l where l.ref = c.subject_ref)
      -- Created after the reference instant anywhere: not a candidate (see above).
      and not exists (select 1 from govflow.pii_vault v where v.subject_ref = c.subject_ref and v.created_at >= ${o.before})
      and not exists (select 1 from govflow.subject_keys s where s.subject_ref = c.subject_ref and s.created_at >= ${o.before})`.execute(tx);
  const { rows } = await sql<{ vault: number; keys: number; held: number; held_keys: number }>`
    select (select count(*) from govflow.pii_vault v join dsr_orphans o using (subject_ref) where not o.held)::int as vault,
           (select count(*) from govflow.subject_keys s join dsr_orphans o using (subject_ref) where not o.held)::int as keys,
           (select count(*) from govflow.pii_vault v join dsr_orphans o using (subject_ref) where o.held)::int as held,
           (select count(*) from govflow.subject_keys s join dsr_orphans o using (subject_ref) where o.held)::int as held_keys`.execute(tx);
  const counts = { vaultEntries: rows[0]!.vault, dataKeys: rows[0]!.keys, heldEntries: rows[0]!.held, heldKeys: rows[0]!.held_keys };
  if (!o.dryRun) {
    await sql`delete from govflow.pii_vault v using dsr_orphans o where v.subject_ref = o.subject_ref and not o.held`.execute(tx);
    await sql`delete from govflow.subject_keys s using dsr_orphans o where s.subject_ref = o.subject_ref and not o.held`.execute(tx);
  }
  return counts;
}

import { sql, type QueryExecutorProvider } from 'kysely';

// Erasure limited to one purpose: what a consent withdrawal asks for. GDPR Art. 17(1)(b): when
// a person withdraws the consent a processing rests on, the data processed for that purpose is
// erased; the person's other data (other purposes, the audit trail, the security record) keeps
// its own lawful basis. So, unlike a whole-person erasure, no key is shredded and the person is
// not put on the suppression list (they may grant consent again). What goes:
//  - access_events of the person for the purpose, except those made under a later re-grant;
//  - masked_events (the analytics copy) of those same events;
// What stays: the consent ledger (the evidence of the withdrawal itself, Art. 7(1)), consent
// violations and findings (accountability records, pseudonymous).

/**
 * Deletes the purpose's data of the person `id` (raw identifier) whose withdrawal took effect at
 * `withdrawnAt`; returns rows deleted per table. Runs inside the caller's transaction.
 */
export async function erasePurposeData(
  tx: QueryExecutorProvider,
  id: string,
  subjectRef: string,
  purpose: string,
  withdrawnAt: Date,
): Promise<Record<string, number>> {
  // Events made after the withdrawal under consent given again are lawful: they stay.
  const erasable = sql`e.subject_id = ${id} and e.purpose = ${purpose}
    and not (e.occurred_at > ${withdrawnAt} and govflow.consent_at(e.subject_id, e.purpose, e.occurred_at) is true)`;
  const masked = await sql`
    delete from govflow.masked_events m using govflow.access_events e
    where m.source = e.source and m.event_id = e.event_id and m.subject_key = ${subjectRef} and ${erasable}`.execute(tx);
  const raw = await sql`delete from govflow.access_events e where ${erasable}`.execute(tx);
  return { access_events: Number(raw.numAffectedRows ?? 0), masked_events: Number(masked.numAffectedRows ?? 0) };
}

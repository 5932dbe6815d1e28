import type { Migration } from 'kysely';
import * as initialSchema from './2026-11-22T0000-initial-schema';
import * as ingestProvenance from './2026-11-22T0100-ingest-provenance';
import * as ingestAccounting from './2026-11-22T0110-ingest-accounting';
import * as auditConsentLedger from './2026-11-22T0400-audit-consent-ledger';
import * as piiVault from './2026-11-22T0500-pii-vault';
import * as deliveriesAndAlertLifecycle from './2026-11-22T0600-deliveries-and-alert-lifecycle';
import * as stream from './2026-11-22T0800-stream';
import * as failedAttemptIndexes from './2026-11-22T0810-failed-attempt-indexes';
import * as alertOccurrences from './2026-11-22T0820-alert-occurrences';
import * as sourceDeliveries from './2026-11-30T0100-source-deliveries';
import * as runConfigAndErasureOutcome from './2026-11-30T0200-run-config-and-erasure-outcome';
import * as fileFingerprints from './2026-11-30T0400-file-fingerprints';
import * as maskingAllowList from './2026-11-30T0500-masking-allow-list';
import * as retention from './2026-11-30T0600-retention';
import * as connectionAttemptsIndex from './2026-11-30T0700-connection-attempts-index';
import * as runCancelled from './2026-11-30T1000-run-cancelled';
import * as incidents from './2026-11-30T1200-incidents';
import * as lateData from './2026-11-30T1210-late-data';
import * as consentRefusals from './2026-11-30T1220-consent-refusals';
import * as dataSubjectRequests from './2026-11-30T1300-data-subject-requests';
import * as consentTimePrecision from './2026-11-30T1700-consent-time-precision';
import * as maskedSubjectHashIndex from './2026-11-30T1800-masked-subject-hash-index';
import * as maskedEventsByDay from './2026-11-30T1900-masked-events-by-day';
import * as inventoryWindowKey from './2026-11-30T1910-inventory-window-key';
import * as maskWorkSchema from './2026-11-30T2000-mask-work-schema';
import * as lateRowsBrin from './2026-11-30T2100-late-rows-brin';
import * as ipPrefixByContainment from './2026-11-30T2200-ip-prefix-by-containment';

// Every migration, by name. Listed statically (not read from the folder at run time) so that
// they load the same way under tsx, vitest and the worker; a unit test checks that no file in
// this folder is missing here. Names sort by date: Kysely applies them in that order.
export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-22T0000-initial-schema': initialSchema,
  '2026-11-22T0100-ingest-provenance': ingestProvenance,
  '2026-11-22T0110-ingest-accounting': ingestAccounting,
  '2026-11-22T0400-audit-consent-ledger': auditConsentLedger,
  '2026-11-22T0500-pii-vault': piiVault,
  '2026-11-22T0600-deliveries-and-alert-lifecycle': deliveriesAndAlertLifecycle,
  '2026-11-22T0800-stream': stream,
  '2026-11-22T0810-failed-attempt-indexes': failedAttemptIndexes,
  '2026-11-22T0820-alert-occurrences': alertOccurrences,
  '2026-11-30T0100-source-deliveries': sourceDeliveries,
  '2026-11-30T0200-run-config-and-erasure-outcome': runConfigAndErasureOutcome,
  '2026-11-30T0400-file-fingerprints': fileFingerprints,
  '2026-11-30T0500-masking-allow-list': maskingAllowList,
  '2026-11-30T0600-retention': retention,
  '2026-11-30T0700-connection-attempts-index': connectionAttemptsIndex,
  '2026-11-30T1000-run-cancelled': runCancelled,
  '2026-11-30T1200-incidents': incidents,
  '2026-11-30T1210-late-data': lateData,
  '2026-11-30T1220-consent-refusals': consentRefusals,
  '2026-11-30T1300-data-subject-requests': dataSubjectRequests,
  '2026-11-30T1700-consent-time-precision': consentTimePrecision,
  '2026-11-30T1800-masked-subject-hash-index': maskedSubjectHashIndex,
  '2026-11-30T1900-masked-events-by-day': maskedEventsByDay,
  '2026-11-30T1910-inventory-window-key': inventoryWindowKey,
  '2026-11-30T2000-mask-work-schema': maskWorkSchema,
  '2026-11-30T2100-late-rows-brin': lateRowsBrin,
  '2026-11-30T2200-ip-prefix-by-containment': ipPrefixByContainment,
};

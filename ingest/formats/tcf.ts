import { z } from 'zod';
import { TCString } from '@iabtechlabtcf/core';
import { splitCsvLine } from './csv';
import { bad, parseJson, skip, type Format, type Parsed } from './types';
import { precisionOfTcfTimestamp } from '../time-precision';

// Consent records that carry an IAB TCF v2 TC string, decoded with the IAB's own library into one
// consent event per purpose the policy maps (options.purposes: TCF v2 purpose number → policy
// purpose). A purpose the string does not consent to is a refusal: it is recorded as not granted.
// A string the TCF specification deems invalid (tcStringValidity) is quarantined with the reason,
// never recorded as consent or refusal: a v1.x string (whose five purposes mean something else),
// a policy version the framework no longer or not yet accepts, a globally scoped string.
// Input is JSON Lines ({"subject", "tc_string", "time"}; `user_id` is read as `subject`) or, with
// options.delimiter, a table with a header whose column names options.columns maps
// (`columns.user_id` is the deprecated name of `columns.subject`).

const options = z.strictObject({
  purposes: z.record(z.string().regex(/^\d+$/, 'expected a TCF purpose number'), z.string(), {
    message: 'expected a mapping of TCF purpose number to policy purpose, e.g. {"1": "storage", "7": "analytics"}',
  }),
  delimiter: z.string().length(1).optional(),
  columns: z
    .preprocess(
      renameUserIdColumn,
      z.strictObject({ tc_string: z.string().default('tc_string'), subject: z.string().default('subject'), time: z.string().optional() }),
    )
    .prefault({}),
});

/** `columns.user_id` (earlier versions) is `columns.subject`, with a one-line deprecation warning. */
function renameUserIdColumn(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || !('user_id' in raw)) return raw;
  const { user_id: subject, ...rest } = raw as Record<string, unknown>;
  console.warn('govflow: tcf options.columns.user_id is deprecated: write columns.subject (the data subject is `subject` in every format)');
  return { subject, ...rest };
}

interface TcfInput {
  tc_string?: unknown;
  subject?: unknown;
  user_id?: unknown;
  time?: unknown;
  event_id?: unknown;
}

export interface DecodedTcString {
  /** Purposes (numbers of the string's own TCF version) the user consented to. */
  purposeConsents: number[];
  lastUpdated?: string;
  created?: string;
  cmpId: number;
  /** The string's encoding version: 1 (TCF v1.x) or 2 (TCF v2.x). */
  version: number;
  /** TcfPolicyVersion (v2 strings; a v1 string counts as policy version 1). */
  policyVersion: number;
  /** IsServiceSpecific (v2 strings; meaningless in v1). */
  isServiceSpecific: boolean;
}

/** Decodes a TC string with the IAB's library (@iabtechlabtcf/core); throws when it cannot. */
export function decodeConsents(tcString: string): DecodedTcString {
  const tc = TCString.decode(tcString);
  const purposeConsents: number[] = [];
  tc.purposeConsents.forEach((granted, id) => {
    if (granted) purposeConsents.push(id);
  });
  const version = Number(tc.version);
  return {
    purposeConsents,
    lastUpdated: tc.lastUpdated?.toISOString(),
    created: tc.created?.toISOString(),
    cmpId: Number(tc.cmpId),
    version,
    // The library fills v2-only fields of a v1 string with its defaults; the spec says a v1
    // string "is considered to have a version value of 1".
    policyVersion: version === 1 ? 1 : Number(tc.policyVersion),
    isServiceSpecific: Boolean(tc.isServiceSpecific),
  };
}

/** The newest TcfPolicyVersion published in the GVL (5: TCF v2.3, 2025). A higher one is not yet known. */
export const LATEST_TCF_POLICY_VERSION = 5;
/** TcfPolicyVersion of TCF v2.2 (May 2023), below which strings created after the cut-off are invalid. */
const TCF_V22_POLICY_VERSION = 4;
/** "Post 30 September 2023": the first instant after that day (UTC; Created is day-level). */
const V22_CUTOFF = Date.parse('2023-10-01T00:00:00Z');

/**
 * Whether a decoded TC string may stand as a consent record, by the IAB Tech Lab specification
 * "Transparency and Consent String with Global Vendor & CMP List Formats" (TCF v2.2/2.3,
 * InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework,
 * TCFv2/IAB Tech Lab - Consent string and vendor list formats v2.md):
 * - Version 2 only. "Managing conflicting string versions": post 30 September 2020 v1.x strings
 *   are invalid; and v1.1's five purposes (storage, personalisation, ad selection, content
 *   selection, measurement) are not v2's ten, so reading them with v2 numbers invents refusals.
 * - TcfPolicyVersion: same section, "Post 30 September 2023 a TC String created with a policy
 *   version set to smaller than 4 will be deemed invalid"; a v2 string has policy version 2 or
 *   more (2 was TCF v2.0's), and one above LATEST_TCF_POLICY_VERSION is from policies this reader
 *   does not know ("Global Vendor List and TCF Policy Updates": a policy change legally
 *   invalidates strings under other policies), so it is not taken as consent either.
 * - IsServiceSpecific: core string field table, "This field must always have the value of 1.
 *   When a Vendor encounters a TC String with IsServiceSpecific=0 then it is considered invalid"
 *   (global scope was deprecated in 2021).
 * Returns null when valid, else the reason (for rejected_records).
 */
export function tcStringValidity(tc: Pick<DecodedTcString, 'version' | 'policyVersion' | 'isServiceSpecific' | 'created'>): string | null {
  if (tc.version === 1) return 'TCF v1.x string: invalid since 30 September 2020, and its purposes are not TCF v2 purposes';
  if (tc.version !== 2) return `unsupported TC string version ${tc.version}`;
  if (!Number.isInteger(tc.policyVersion) || tc.policyVersion < 2) return `invalid TCF policy version ${tc.policyVersion} for a TCF v2 string`;
  if (tc.policyVersion > LATEST_TCF_POLICY_VERSION) return `unknown TCF policy version ${tc.policyVersion} (newest known is ${LATEST_TCF_POLICY_VERSION})`;
  const created = tc.created ? Date.parse(tc.created) : NaN;
  if (tc.policyVersion < TCF_V22_POLICY_VERSION && !(created < V22_CUTOFF)) {
    return `TCF policy version ${tc.policyVersion} in a string created after 30 September 2023: invalid (policy version 4 or later required)`;
  }
  if (!tc.isServiceSpecific) return 'TC string is not service-specific (IsServiceSpecific=0): invalid, global scope is deprecated';
  return null;
}

export const tcfFormat: Format<typeof options> = {
  name: 'tcf',
  kinds: ['consent'],
  options,
  create(o) {
    let header: string[] | undefined;
    const readRow = (text: string, position: number): TcfInput | Parsed => {
      if (!o.delimiter) {
        const j = parseJson(text);
        if ('error' in j) return bad(j.error);
        if (!j.value || typeof j.value !== 'object' || Array.isArray(j.value)) return bad('not a JSON object');
        return j.value as TcfInput;
      }
      const cells = splitCsvLine(text, o.delimiter);
      if (!cells) return bad('malformed row');
      if (position === 1 || !header) {
        header = cells;
        return skip('header');
      }
      const col = (name: string | undefined) => (name && header!.includes(name) ? cells[header!.indexOf(name)] : undefined);
      return { tc_string: col(o.columns.tc_string), subject: col(o.columns.subject) ?? col('user_id'), time: col(o.columns.time) };
    };

    return {
      header: Boolean(o.delimiter),
      parse(text, position): Parsed {
        const row = readRow(text, position);
        if ('ok' in row) return row as Parsed;
        const input = row as TcfInput;
        if (typeof input.tc_string !== 'string' || input.tc_string === '') return bad('missing field "tc_string"');
        let decoded;
        try {
          decoded = decodeConsents(input.tc_string);
        } catch (err) {
          return bad(`undecodable TC string: ${(err as Error).message}`);
        }
        const invalid = tcStringValidity(decoded);
        if (invalid) return bad(invalid);
        const granted = new Set(decoded.purposeConsents);
        const evidence = `tcf v${decoded.version} cmp ${decoded.cmpId}`;
        // The record's own time when it has one (its precision read from how it is written), else
        // the string's LastUpdated, at the precision TCF gives it (see precisionOfTcfTimestamp).
        const time = input.time ?? decoded.lastUpdated;
        const timePrecision = input.time == null && decoded.lastUpdated ? precisionOfTcfTimestamp(decoded.lastUpdated) : undefined;
        const baseId = typeof input.event_id === 'string' ? input.event_id : undefined;
        return {
          ok: true,
          objects: Object.entries(o.purposes).map(([n, purpose]) => ({
            event_id: baseId ? `${baseId}:p${n}` : undefined,
            subject: input.subject ?? input.user_id,
            purpose,
            granted: granted.has(Number(n)),
            time,
            time_precision: timePrecision,
            evidence,
            signal: 'tcf',
          })),
        };
      },
    };
  },
};

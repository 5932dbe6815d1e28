import type { PiiEntity } from '../masking/detector';

// The compliance report's "Sensitivity inventory": per source and field, which kinds of personal
// data the mask step's classifier found in free text during the window, how often, first and last
// seen, and whether masking handled every one. Counts, names of kinds and times only: never a value.
// Pure: the report activity reads govflow.sensitivity_inventory and hands the rows in.

/**
 * The fideslang data category of each detector entity (fideslang 2.x taxonomy,
 * https://ethyca.github.io/fideslang/taxonomy/data_categories/). The detector's own name
 * (Presidio's entity names) is shown beside it.
 */
export const FIDES_CATEGORY: Record<PiiEntity, string> = {
  EMAIL_ADDRESS: 'user.contact.email',
  PHONE_NUMBER: 'user.contact.phone_number',
  CREDIT_CARD: 'user.financial.credit_card',
  IBAN_CODE: 'user.financial.bank_account',
  US_SSN: 'user.government_id.national_identification_number',
  IP_ADDRESS: 'user.device.ip_address',
};

/** One row of govflow.sensitivity_inventory for the window (the detector's entity name as `kind`). */
export interface InventoryCount {
  source: string;
  field: string;
  kind: string;
  seen: number;
  handled: number;
  firstSeen: string;
  lastSeen: string;
}

export interface InventoryLine {
  source: string;
  field: string;
  /** The fideslang category, or the detector's name when it has none. */
  category: string;
  /** The detector's entity name (Presidio's), e.g. EMAIL_ADDRESS. */
  entity: string;
  seen: number;
  firstSeen: string;
  lastSeen: string;
  /** "yes" when masking replaced every value seen, else "no" (with how many it did not). */
  handled: string;
}

export interface InventorySection {
  lines: InventoryLine[];
  /** Findings in all, and how many masking did not handle (0: nothing of it reached a masked table). */
  seen: number;
  unhandled: number;
}

/** The report's section from the window's inventory rows: by source and field, most seen first. */
export function inventorySection(rows: readonly InventoryCount[]): InventorySection {
  const lines = [...rows]
    .sort((a, b) => a.source.localeCompare(b.source) || a.field.localeCompare(b.field) || b.seen - a.seen || a.kind.localeCompare(b.kind))
    .map((r) => ({
      source: r.source,
      field: r.field,
      category: FIDES_CATEGORY[r.kind as PiiEntity] ?? r.kind,
      entity: r.kind,
      seen: r.seen,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      handled: r.handled >= r.seen ? 'yes' : `no (${(r.seen - r.handled).toLocaleString('en-US')} not masked)`,
    }));
  const seen = rows.reduce((s, r) => s + r.seen, 0);
  return { lines, seen, unhandled: rows.reduce((s, r) => s + Math.max(0, r.seen - r.handled), 0) };
}

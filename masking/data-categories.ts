import { PII_ENTITIES, type PiiEntity } from './detector';

// The one vocabulary for kinds of personal data. A policy names them by their fideslang data
// category (https://ethyca.github.io/fideslang/taxonomy/data_categories/), as `access.dataCategories`
// and the events' `data_category` do; the detector (lib/pii-detect.ts) finds them in free text
// under Presidio's entity types; code keys them by a short id. This table is the only place the
// three meet. Pure: no I/O.

export const DATA_KINDS = ['person_id', 'email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'timestamp', 'birth_date', 'location'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

export interface DataCategory {
  /** The fideslang data category: what a policy writes. */
  fideslang: string;
  /** Presidio's entity type for it (https://microsoft.github.io/presidio/supported_entities/), when it has one. */
  presidio?: string;
}

export const DATA_CATEGORIES: Readonly<Record<DataKind, DataCategory>> = {
  person_id: { fideslang: 'user.unique_id' },
  email: { fideslang: 'user.contact.email', presidio: 'EMAIL_ADDRESS' },
  phone: { fideslang: 'user.contact.phone_number', presidio: 'PHONE_NUMBER' },
  credit_card: { fideslang: 'user.financial.credit_card', presidio: 'CREDIT_CARD' },
  iban: { fideslang: 'user.financial.bank_account', presidio: 'IBAN_CODE' },
  us_ssn: { fideslang: 'user.government_id.national_identification_number', presidio: 'US_SSN' },
  ip_address: { fideslang: 'user.device.ip_address', presidio: 'IP_ADDRESS' },
  // When a person did something: behavioural data (fideslang has no narrower category for it).
  timestamp: { fideslang: 'user.behavior', presidio: 'DATE_TIME' },
  birth_date: { fideslang: 'user.demographic.date_of_birth', presidio: 'DATE_TIME' },
  location: { fideslang: 'user.location', presidio: 'LOCATION' },
};

/** The kind of each entity the detector finds, so its policy rule applies. */
export const ENTITY_KIND = Object.fromEntries(
  PII_ENTITIES.map((e) => [e, DATA_KINDS.find((k) => DATA_CATEGORIES[k].presidio === e)!]),
) as Readonly<Record<PiiEntity, DataKind>>;

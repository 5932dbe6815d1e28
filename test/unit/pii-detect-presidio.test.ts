import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectPii, PII_ENTITIES, type PiiEntity } from '../../masking/detector';

// Precision and recall per entity on Presidio's own recognizer test cases (read from the shared
// data folder next to the repository, as CI has it; never copied in). Scoring follows Presidio's
// tests: each case is run through the detector and the spans of the case's entity are compared
// with the expected spans, exact start and end. Two adjustments, both written down:
//  - a case with expected_len 1 but no extracted span means "the whole text" (3 IPv6 cases);
//  - phone cases that vary Presidio's `leniency` are scored at its default leniency, 1.

const CASES_FILE = new URL('../../../shared/data/public/presidio/presidio_analyzer_recognizer_test_cases.jsonl', import.meta.url);

interface Case {
  entities: string[];
  text: string;
  expected_len: number;
  expected_spans: Array<[number, number]>;
  extra: { leniency?: number };
}

const PRESIDIO_NAMES: Record<PiiEntity, string> = {
  EMAIL_ADDRESS: 'EMAIL_ADDRESS', CREDIT_CARD: 'CREDIT_CARD', IBAN_CODE: 'IBAN_CODE',
  US_SSN: 'US_SSN', IP_ADDRESS: 'IP_ADDRESS', PHONE_NUMBER: 'PHONE_NUMBER',
};

function loadCases(): Case[] {
  return readFileSync(CASES_FILE, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Case);
}

describe('PII detection on the Presidio recognizer test cases', () => {
  const cases = loadCases();

  it('reaches precision and recall ≥ 0.95 for every supported entity', () => {
    const rows: string[] = [];
    const misses: string[] = [];
    for (const entity of PII_ENTITIES) {
      const mine = cases.filter((c) => c.entities[0] === PRESIDIO_NAMES[entity] && (c.extra.leniency === undefined || c.extra.leniency === 1));
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (const c of mine) {
        const expected = c.expected_spans.length === 0 && c.expected_len === 1 ? [[0, c.text.length] as [number, number]] : c.expected_spans;
        const got = detectPii(c.text).filter((s) => s.entity === entity).map((s) => [s.start, s.end] as [number, number]);
        const key = (s: [number, number]) => `${s[0]}:${s[1]}`;
        const want = new Set(expected.map(key));
        const have = new Set(got.map(key));
        for (const g of have) if (want.has(g)) tp++; else { fp++; misses.push(`${entity} false positive ${g} in ${JSON.stringify(c.text)}`); }
        for (const w of want) if (!have.has(w)) { fn++; misses.push(`${entity} missed ${w} in ${JSON.stringify(c.text)}`); }
      }
      const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
      const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
      rows.push(`${entity.padEnd(14)} cases ${String(mine.length).padStart(4)}  tp ${String(tp).padStart(4)}  fp ${String(fp).padStart(3)}  fn ${String(fn).padStart(3)}  precision ${precision.toFixed(3)}  recall ${recall.toFixed(3)}`);
      expect(mine.length, entity).toBeGreaterThan(0);
      expect.soft(precision, `${entity} precision`).toBeGreaterThanOrEqual(0.95);
      expect.soft(recall, `${entity} recall`).toBeGreaterThanOrEqual(0.95);
    }
    console.log(['PII detection vs Presidio recognizer test cases:', ...rows, ...misses.map((m) => `  ${m}`)].join('\n'));
  });
});
